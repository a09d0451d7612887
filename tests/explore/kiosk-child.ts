/**
 * One whole kiosk (bootKiosk: the same composition `npm start` runs) in its own process, driven
 * by the scenario explorer over stdin/stdout, one JSON line each way. Configuration: the file the
 * peers wrote for it (KIOSK_CONFIG, production mode against the peers) with the explorer's
 * overrides (KIOSK_OVERRIDES, JSON). Its clock can be moved. It can be killed at any moment.
 *
 * In:  {"id": n, "op": "command", "command": KioskCommand} | {"id": n, "op": "scan", "code": "…"}
 *      | {"id": n, "op": "counter", "code": "…"} | {"id": n, "op": "clock", "offsetMs": n}
 *      | {"id": n, "op": "settle", "settleMs": n} | {"id": n, "op": "stop"}
 * Out: {"event": "ready", …} once, {"event": "view", "view": …} on every screen change,
 *      {"event": "ack", "id": n, "error"?: "…", …} per command.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import pino from 'pino';
import type { KioskCommand } from '../../contract/index.js';
import { WEDGE_SOURCE } from '../../devices/scanner/setup.js';
import { bootKiosk } from '../../app/boot.js';
import { parseConfig } from '../../config/config.js';
import { createLogger } from '../../base/log.js';

const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);

const file = process.env.KIOSK_CONFIG!;
const overrides = JSON.parse(process.env.KIOSK_OVERRIDES ?? '{}') as Record<string, Record<string, unknown>>;
const base = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
const merged: Record<string, unknown> = { ...base };
for (const [key, value] of Object.entries(overrides)) {
  merged[key] = typeof value === 'object' && value !== null ? { ...(base[key] ?? {}), ...value } : value;
}
const config = parseConfig(merged, file);
let offsetMs = 0;
const log = createLogger({ level: 'error', destination: pino.destination({ fd: 2, sync: true }) });
const kiosk = await bootKiosk(
  { ...config, dataDir: config.dataDir },
  { packaged: false, log, configFile: file, now: () => Date.now() + offsetMs },
);
kiosk.session.onChange((view) => say({ event: 'view', view }));
say({ event: 'ready', inDoubt: kiosk.report.inDoubt.map((p) => p.id) });

async function run(message: Record<string, unknown>): Promise<Record<string, unknown>> {
  switch (message.op) {
    case 'command':
      // A payment runs until the terminal answers: the explorer goes on meanwhile (it may cancel,
      // walk away or kill this process), so only a refusal is reported here.
      {
        const done = kiosk.session.command(message.command as Extract<KioskCommand, { type: `session.${string}` }>);
        const early = await Promise.race([
          done.then(
            () => null,
            (error: unknown) => error as Error,
          ),
          new Promise<null>((resolve) => setTimeout(() => resolve(null), 50)),
        ]);
        done.catch(() => undefined);
        if (early) throw early;
      }
      return {};
    case 'scan':
      kiosk.scanners.submit(WEDGE_SOURCE, String(message.code));
      return {};
    case 'counter':
      await kiosk.session.counter(String(message.code), 'staff:explorer');
      return {};
    case 'clock':
      offsetMs = Number(message.offsetMs);
      return {};
    case 'settle': {
      // Quiet: the payment in flight has ended, start-up recovery is done, late requests have
      // landed and the terminal has been asked about every request, and the outbox is empty (or
      // only rejected rows are left) — again, until the terminal check changes nothing more.
      await kiosk.session.settled();
      await kiosk.core.recovered;
      await new Promise((r) => setTimeout(r, Number(message.settleMs ?? 0)));
      const deadline = Date.now() + 90_000;
      const changed: string[] = [];
      for (;;) {
        const counts = kiosk.core.outbox.counts();
        if (counts.pending + counts.sending > 0) {
          if (Date.now() > deadline) return { error: `outbox not drained: ${JSON.stringify(counts)}` };
          kiosk.core.worker.wake();
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const audit = await kiosk.core.terminalAudit.runDue();
        changed.push(...audit.flagged, ...audit.resolved);
        if (audit.flagged.length + audit.resolved.length === 0) break;
      }
      return { inDoubt: kiosk.core.journal.listInDoubt().length, changed };
    }
    case 'stop':
      await kiosk.stop();
      say({ event: 'ack', id: message.id });
      process.exit(0);
    // falls through (exit)
    default:
      return { error: `unknown op ${String(message.op)}` };
  }
}

// One command at a time, in order.
let queue: Promise<void> = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line) as Record<string, unknown>;
  queue = queue.then(async () => {
    try {
      say({ event: 'ack', id: message.id, ...(await run(message)) });
    } catch (error) {
      say({ event: 'ack', id: message.id, error: (error as Error).message });
    }
  });
});
