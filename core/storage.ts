import { existsSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The journal's disk. A payment must never start when its steps cannot be written down: below a
 * floor of free space the kiosk refuses new card payments, before the terminal is asked, and
 * says so. What is already committed stays as it is (SQLite rolls back a write that hits a full
 * disk), and payments resume by themselves once space is freed.
 */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
}

/** A database or file write failed because the disk (or the database's size limit) is full. */
export function isStorageFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'SQLITE_IOERR_WRITE';
}

export function freeMegabytes(path: string, statfs: typeof statfsSync = statfsSync): number {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const stats = statfs(dir);
  return (stats.bavail * stats.bsize) / 1024 / 1024;
}

export class StorageGuard {
  constructor(
    private readonly dataDir: string,
    private readonly minFreeMb: number,
    private readonly free: (path: string) => number = freeMegabytes,
  ) {}

  /** Throws StorageFullError when a new payment could not be written down safely. */
  checkRoomForPayment(): void {
    const free = this.free(this.dataDir);
    if (free < this.minFreeMb) {
      throw new StorageFullError(
        `only ${free.toFixed(1)} MB free for the journal (${this.dataDir}); card payments need ${this.minFreeMb} MB`,
      );
    }
  }
}
