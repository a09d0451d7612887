/**
 * `npm run bench`: prints one JSON document with
 *   - journal transition commit latency (synchronous=FULL, WAL) vs a bare one-row insert in its
 *     own transaction on the same disk and with the same settings, and their ratio;
 *   - outbox throughput delivering 10,000 rows to a local HTTP endpoint in another process.
 * Timings are wall-clock on this machine; compare runs on the same machine only.
 */
import { spawn } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../db/open.js';
import { planDeliveries } from '../main/deliveries.js';
import { createLogger } from '../main/log.js';
import { OutboxWorker } from '../main/outbox-worker.js';
import { line, tempDir } from '../tests/support/fixtures.js';
import { httpJsonTarget } from '../tests/support/http-target.js';
import { openStores } from '../tests/support/stores.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TRANSITIONS = Number(process.env.BENCH_TRANSITIONS ?? 2000);
const OUTBOX_ROWS = Number(process.env.BENCH_OUTBOX_ROWS ?? 10_000);

function percentiles(samples: number[]): { p50: number; p99: number; mean: number; n: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (ms: number): number => Math.round(ms * 1000) / 1000;
  return {
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    mean: round(samples.reduce((a, b) => a + b, 0) / samples.length),
    n: samples.length,
  };
}

function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Every journal transition (created → authorizing → approved with outbox rows), each timed alone. */
function benchJournal(): { p50: number; p99: number; mean: number; n: number } {
  const stores = openStores();
  try {
    const samples: number[] = [];
    for (let i = 0; i < TRANSITIONS / 3; i++) {
      let id = '';
      samples.push(
        timeMs(
          () =>
            (id = stores.journal.createIntent({
              channel: 'kiosk',
              patronId: 'p',
              actor: 'kiosk',
              lines: [line(String(i), 2500, 'fbs'), line(`${i}9`, 1000, 'debtor')],
            }).id),
        ),
      );
      samples.push(timeMs(() => stores.journal.markAuthorizing(id)));
      const payment = stores.journal.get(id);
      samples.push(timeMs(() => stores.journal.approve(id, `TX-${i}`, planDeliveries(payment, `TX-${i}`, new Date()))));
    }
    return percentiles(samples);
  } finally {
    stores.close();
  }
}

/** The floor: one small row, one transaction, same folder, same pragmas. */
function benchBareInsert(): { p50: number; p99: number; mean: number; n: number } {
  const dir = tempDir('kiosk-bench-');
  const db = openDatabase(join(dir.path, 'bare.sqlite'), { migrations: [] });
  try {
    db.exec('CREATE TABLE bare (id INTEGER PRIMARY KEY, value TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO bare (value) VALUES (?)');
    const tx = db.transaction((v: string) => insert.run(v));
    const samples: number[] = [];
    for (let i = 0; i < TRANSITIONS; i++) samples.push(timeMs(() => tx.immediate(`row-${i}`)));
    return percentiles(samples);
  } finally {
    db.close();
    dir.remove();
  }
}

async function benchOutbox(): Promise<Record<string, number>> {
  const server = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'target-server.ts')], {
    stdio: ['pipe', 'pipe', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve) =>
    server.stdout!.once('data', (c: Buffer) => resolve(c.toString().trim())),
  );
  const stores = openStores();
  const concurrency = 16;
  try {
    stores.db.transaction(() => {
      for (let i = 0; i < OUTBOX_ROWS; i++)
        stores.outbox.enqueue({ target: 'bench', idempotencyKey: `bench-${i}`, payload: { i, amountOre: 2500 } });
    })();
    const worker = new OutboxWorker(
      stores.outbox,
      { concurrency, callTimeoutMs: 10_000, leaseMs: 60_000, baseBackoffMs: 10, maxBackoffMs: 100, pollIntervalMs: 50 },
      createLogger({ level: 'silent' }),
    );
    worker.register('bench', httpJsonTarget(`${url}/bench`));
    const start = process.hrtime.bigint();
    worker.start();
    while (stores.outbox.counts().delivered < OUTBOX_ROWS) await new Promise((r) => setTimeout(r, 20));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    await worker.stop();
    const { attempts } = stores.db.prepare('SELECT SUM(attempts) AS attempts FROM outbox').get() as {
      attempts: number;
    };
    const registered = await new Promise<number>((resolve) => {
      server.stdout!.once('data', (c: Buffer) => resolve(Number(c.toString().trim())));
      server.send('count');
    });
    return {
      rows: OUTBOX_ROWS,
      concurrency,
      seconds: Math.round(seconds * 1000) / 1000,
      rowsPerSecond: Math.round(OUTBOX_ROWS / seconds),
      attempts,
      registeredByEndpoint: registered,
    };
  } finally {
    stores.close();
    server.stdin!.end();
  }
}

const journal = benchJournal();
const bare = benchBareInsert();
const outbox = await benchOutbox();
const result = {
  machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown' },
  settings: {
    journal_mode: 'wal',
    synchronous: 'FULL',
    folder: tmpdir(),
    note: 'journal and bare insert both in fresh folders under this one',
  },
  journalTransitionCommitMs: journal,
  bareInsertCommitMs: bare,
  journalOverBareRatio: {
    p50: Math.round((journal.p50 / bare.p50) * 100) / 100,
    p99: Math.round((journal.p99 / bare.p99) * 100) / 100,
  },
  outboxDelivery: outbox,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
