import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export type Db = Database.Database;

/** The database cannot be used. The message says what is wrong and what staff should do. */
export class DatabaseUnusableError extends Error {
  override name = 'DatabaseUnusableError';
}

export interface OpenOptions {
  /** Apply migrations up to this version only (tests of older schemas). */
  readonly migrateTo?: number;
  readonly migrations?: readonly Migration[];
  /** Told of each permission the journal's folder or files had to lose (for the log). */
  readonly onTightened?: (change: string) => void;
}

/**
 * Opens the kiosk database: durable settings, an integrity check, then migrations.
 * The core is the only writer (one connection); everything else reads through it.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const migrations = options.migrations ?? MIGRATIONS;
  const report = options.onTightened ?? (() => undefined);
  // Files this open creates (a new journal, new WAL files) start with the process's umask: they
  // are narrowed too, but that is not news. Only files that came with wider permissions are reported.
  const absent = keepPrivate(path, report);
  const tighten = (): void =>
    void keepPrivate(path, (change) => {
      if (!absent.some((file) => change.startsWith(`${file}:`))) report(change);
    });
  let db: Db;
  try {
    db = new Database(path);
  } catch (error) {
    throw new DatabaseUnusableError(`cannot open the database at ${path}: ${errorText(error)}`);
  }
  try {
    applyPragmas(db);
    tighten(); // the file and its WAL files exist now
    checkIntegrity(db, path);
    migrate(db, options.migrateTo ?? migrations.length, migrations);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof DatabaseUnusableError) throw error;
    throw new DatabaseUnusableError(`the database at ${path} cannot be used: ${errorText(error)}`);
  }
}

/**
 * The journal holds payments, staff PIN hashes and staff-card hashes: only the kiosk's own user
 * may read it. Its folder is made 0700 and the database and its WAL files 0600, at every open —
 * a folder or file that came with wider permissions (an older kiosk, a restored backup) is
 * narrowed, and the change reported. (POSIX permissions; Windows keeps the profile folder's ACL.)
 */
function keepPrivate(path: string, report: (change: string) => void): string[] {
  const absent: string[] = [];
  if (path === ':memory:') return absent;
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return absent;
  for (const [file, mode] of [
    [dir, 0o700],
    [path, 0o600],
    [`${path}-wal`, 0o600],
    [`${path}-shm`, 0o600],
  ] as const) {
    let current: number;
    try {
      current = statSync(file).mode & 0o777;
    } catch {
      absent.push(file);
      continue; // not there (yet)
    }
    if ((current & 0o077) === 0) continue;
    try {
      chmodSync(file, mode);
      report(`${file}: permissions ${current.toString(8)} → ${mode.toString(8)} (readable by other users)`);
    } catch (error) {
      throw new DatabaseUnusableError(
        `${file} is readable by other users and its permissions cannot be changed (${errorText(error)}): ` +
          `run chmod ${mode.toString(8)} ${file} as its owner`,
      );
    }
  }
  return absent;
}

function applyPragmas(db: Db): void {
  // WAL: readers never block the writer. synchronous=FULL: a commit is on disk (WAL fsynced)
  // before it returns, so an approved payment survives power loss, not just a crash.
  const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
  if (mode !== 'wal' && mode !== 'memory') {
    throw new DatabaseUnusableError(`journal_mode WAL refused (got ${mode})`);
  }
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
}

function checkIntegrity(db: Db, path: string): void {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
  if (problems.length > 0) {
    throw new DatabaseUnusableError(
      `integrity check failed for ${path}: ${problems.slice(0, 5).join('; ')}. ` +
        'The kiosk will not take payments on a damaged journal. Keep the file for analysis ' +
        'and restore the latest backup, or call support.',
    );
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db, target: number, migrations: readonly Migration[]): void {
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new DatabaseUnusableError(
      `the database has schema version ${current}, newer than this kiosk knows ` +
        `(${migrations.length}). Install the newer kiosk version again; migrations only go forward.`,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current || migration.version > target) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
