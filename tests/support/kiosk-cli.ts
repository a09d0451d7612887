import { spawn } from 'node:child_process';

/**
 * Runs `kiosk <args>` as a technician does (its own process, `npm run kiosk`'s entry point),
 * with the given config file and data folder and `input` on standard input (PINs, secrets).
 */
export function runKioskCli(
  args: readonly string[],
  env: { KIOSK_CONFIG: string; KIOSK_DATA_DIR: string },
  input = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/cli.ts', ...args], {
      env: { ...process.env, ...env },
    });
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
