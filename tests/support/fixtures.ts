import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimIdForFee, type PaymentLine } from '../../contract/index.js';
import { parseConfig, type KioskConfig } from '../../config/config.js';
import { createLogger, type Logger } from '../../base/log.js';
import { Writable } from 'node:stream';

export function tempDir(prefix = 'kiosk-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function line(feeId: string, amountOre: number, route: 'fbs' | 'debtor' = 'fbs'): PaymentLine {
  return {
    claimId: claimIdForFee(feeId),
    feeId,
    route,
    type: 'fee',
    reason: 'Overskredet lånetid',
    materials: [{ recordId: '25734401', itemNumber: '3846990948', materialGroup: 'Bog', periodical: null }],
    amountOre,
    // As FBS lists it; debtor-route claims of the test borrowers are newer than any cut-off date used.
    createdOn: '2026-01-02',
  };
}

/** Fast timings for tests; everything else as in production. */
export function testConfig(
  dataDir: string,
  outbox: Partial<KioskConfig['outbox']> = {},
): KioskConfig & { dataDir: string } {
  const config = parseConfig({
    outbox: {
      concurrency: 4,
      callTimeoutMs: 1000,
      leaseMs: 1500,
      baseBackoffMs: 20,
      maxBackoffMs: 200,
      pollIntervalMs: 50,
      ...outbox,
    },
    // The core's side of the terminal: recovery and health checks, fast. The driver's own
    // timeouts are set where a test builds it (tests/support/terminal-fixture.ts).
    // The terminal check runs every second, so a late "not found" is asked again soon.
    terminal: { statusPollMs: 50, resolveGiveUpMs: 2_000, healthIntervalMs: 60_000, auditIntervalMs: 1_000 },
  });
  return { ...config, dataDir };
}

/** A logger whose lines are collected in memory. */
export function memoryLogger(level = 'debug'): { log: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = createLogger({ level, destination });
  return { log, lines: () => chunks.join('').split('\n').filter(Boolean) };
}
