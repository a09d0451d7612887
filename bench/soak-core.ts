/**
 * The soak's kiosk: the demo kiosk (core, sandboxes, simulators) in browser mode in its own
 * process, started with --expose-gc so memory can be read after a full collection. Prints
 * `{"url": …}` once ready, then answers lines on stdin:
 *   scan <code>  a card at the scanner
 *   reset        the FBS sandbox back to its seeded claims (the same borrower can pay again)
 *   sample       the terminal and printer simulators' records cleared (they are not the kiosk),
 *                a full GC, then `{"memory": process.memoryUsage(), "rss": {anonKb, fileKb},
 *                "databaseBytes", "settledPayments"}`
 *   snapshot <file>  the same clearing and GC, then a V8 heap snapshot written to <file>
 *                (bench/heap-diff.ts tells what one snapshot holds that an earlier one did not)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { bootKiosk } from '../app/boot.js';
import { startBrowserMode } from '../shells/browser/browser-mode.js';
import { screenSettings } from '../shells/serve/screen-settings.js';
import { parseConfig } from '../config/config.js';
import { createLogger } from '../base/log.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const rendererDir = fileURLToPath(new URL('../renderer/dist', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-soak-'));
const log = createLogger({ level: 'silent' });
const config = parseConfig({
  log: { level: 'fatal' },
  terminal: { simulatorStepMs: 5 },
  ui: { idleTimeoutMs: 600_000, idleWarningMs: 15_000 },
});
const kiosk = await bootKiosk({ ...config, dataDir }, { packaged: false, log });
const browserMode = await startBrowserMode(kiosk, {
  rendererDir,
  port: 0,
  version: 'soak',
  settings: screenSettings(config),
  log,
});
/**
 * The resident set split into anonymous memory (heaps: V8's, the allocator's, SQLite's page
 * cache) and file-backed pages (code, mapped files, which the OS can drop). Linux only.
 */
function rssParts(): { anonKb: number; fileKb: number } | null {
  try {
    const text = readFileSync('/proc/self/smaps_rollup', 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { anonKb: kb('Anonymous'), fileKb: kb('Rss') - kb('Anonymous') };
  } catch {
    return null;
  }
}

/** The journal's database with its write-ahead log: grows with every payment, by design. */
function databaseBytes(): number {
  const file = kiosk.core.db.name;
  return [file, `${file}-wal`].reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0);
}

const say = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
say({ url: browserMode.url, dataDir });

for await (const line of createInterface({ input: process.stdin })) {
  const [command, argument] = line.trim().split(' ');
  if (command === 'scan') kiosk.scanners.submit('soak', argument!);
  else if (command === 'reset') kiosk.sandboxes.fbs!.reset();
  else if (command === 'sample' || command === 'snapshot') {
    kiosk.terminal.simulator?.reset();
    kiosk.printer.simulator?.clearReceipts();
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
    if (command === 'snapshot') {
      say({ snapshot: writeHeapSnapshot(argument!) });
      continue;
    }
    const settled = kiosk.core.db.prepare("SELECT COUNT(*) AS n FROM payments WHERE state = 'settled'").get() as {
      n: number;
    };
    say({ memory: process.memoryUsage(), rss: rssParts(), databaseBytes: databaseBytes(), settledPayments: settled.n });
  } else if (command === 'exit') break;
}
await browserMode.close();
await kiosk.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
