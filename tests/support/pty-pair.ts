import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A serial cable made of two pseudo-terminals joined by socat: the scanner under test opens
 * `devicePath`, the test "scans" by writing to `scannerEnd`. Killing socat removes both ends, as
 * unplugging a USB-CDC scanner removes its tty; starting it again brings them back under the same
 * names (new /dev/pts numbers underneath, as a replugged device gets).
 */
export class PtyPair {
  readonly dir = mkdtempSync(join(tmpdir(), 'kiosk-pty-'));
  readonly devicePath = join(this.dir, 'scanner-tty');
  readonly scannerEnd = join(this.dir, 'scanner-end');
  private child: ChildProcess | null = null;

  async plug(): Promise<void> {
    if (this.child) throw new Error('already plugged in');
    const child = spawn('socat', [`pty,raw,echo=0,link=${this.devicePath}`, `pty,raw,echo=0,link=${this.scannerEnd}`], {
      stdio: 'ignore',
    });
    this.child = child;
    await waitFor(() => existsSync(this.devicePath) && existsSync(this.scannerEnd), 'socat to create the ptys');
  }

  async unplug(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    await waitFor(() => !existsSync(this.devicePath), 'socat to remove the ptys');
  }

  /** What the scanner sends: bytes into the other end of the cable. */
  send(bytes: string | Buffer): void {
    writeFileSync(this.scannerEnd, bytes);
  }

  async close(): Promise<void> {
    await this.unplug();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
