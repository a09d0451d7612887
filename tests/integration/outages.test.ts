import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Payment } from '../../contract/index.js';
import type { Core } from '../../core/core.js';
import { line, memoryLogger, tempDir } from '../support/fixtures.js';
import { checkInvariants, startSandboxes, type Sandboxes } from '../faults/harness.js';
import { startTestCore, type TestCore } from '../faults/test-core.js';
import { until } from '../support/until.js';

/**
 * Outages of each system the kiosk depends on, one running core throughout (no restart), against
 * the terminal simulator and the FBS and ØiR sandboxes over real sockets. At the end of each, the
 * fault matrix's invariants hold against the journal and all three ledgers. (The borrower's
 * screen during FBS and terminal outages is in tests/e2e/outcomes.spec.ts; a scanner unplugged
 * mid-session is in tests/e2e/checkout.spec.ts.)
 */
const HOUR = 60 * 60 * 1000;
let sandboxes: Sandboxes;
let running: TestCore | null = null;
let dir: { path: string; remove(): void };
let offset = 0;
const clock = (): number => Date.now() + offset;

beforeAll(async () => {
  sandboxes = await startSandboxes();
});
afterAll(async () => {
  await sandboxes.close();
});
afterEach(async () => {
  await running?.close();
  running = null;
  dir.remove();
  offset = 0;
});

async function startCore(outbox: NonNullable<Parameters<typeof startTestCore>[2]>['outbox'] = {}): Promise<Core> {
  dir = tempDir('kiosk-outage-');
  sandboxes.reset();
  running = await startTestCore(sandboxes.env(dir.path), memoryLogger('fatal').log, { now: clock, outbox });
  running.core.start();
  await running.core.recovered;
  return running.core;
}

/** A payment as a borrower makes it: tried again while the terminal is still busy with the last one. */
async function pay(core: Core, patronId: string, lines: ReturnType<typeof line>[]): Promise<Payment> {
  for (let attempt = 0; ; attempt++) {
    const payment = await core.checkout.pay({ channel: 'kiosk', patronId, actor: 'kiosk', lines });
    const busy = payment.state === 'declined' && core.journal.declineCode(payment.id) === 'busy';
    if (!busy || attempt === 50) return payment;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const attemptsSum = (core: Core): number =>
  (core.db.prepare('SELECT COALESCE(SUM(attempts), 0) AS n FROM outbox').get() as { n: number }).n;

describe('outages, recovered without a restart', () => {
  it('ØiR down for a whole (simulated) day: payments go on, every one is registered once when it returns', async () => {
    // Production-like backoff: 1 minute doubling to 10 minutes; the clock is moved an hour at a time.
    const core = await startCore({ baseBackoffMs: 60_000, maxBackoffMs: 600_000 });
    // 48 borrowers' claims (the same claim twice would be refused: it is already paid here).
    const fees = Array.from({ length: 48 }, (_, i) => String(9_000 + i));
    sandboxes.fbs.addFees(
      '100004',
      fees.map((feeId) => ({
        feeId,
        type: 'fee',
        reasonMessage: 'Gebyr',
        amount: '1',
        creationDate: '2026-01-02',
        payableByClient: false,
        materials: [],
      })),
    );
    sandboxes.oeir.sandbox.addClaims(Object.fromEntries(fees.map((fee) => [fee, 100])));
    sandboxes.oeir.sandbox.setFaults({ reset: { times: 1_000_000 } });
    const paid: Payment[] = [];
    for (let hour = 0; hour < 24; hour++) {
      for (let i = 0; i < 2; i++) {
        const payment = await pay(core, '100004', [line(fees[hour * 2 + i]!, 100, 'debtor')]);
        expect(payment.state).toBe('approved');
        paid.push(payment);
      }
      const before = attemptsSum(core);
      offset += HOUR;
      await until(`attempts in hour ${hour + 1}`, () => attemptsSum(core) > before);
    }
    expect(core.outbox.counts()).toMatchObject({ pending: expect.any(Number), delivered: 0, rejected: 0 });
    expect(attemptsSum(core)).toBeGreaterThan(paid.length);
    expect(sandboxes.oeir.sandbox.ledger.size).toBe(0);

    sandboxes.oeir.sandbox.setFaults({});
    // ØiR is back. Let the last hour's attempts finish, and give the link's circuit breaker, which
    // those failures opened, time to let a probe through again: it counts real time (100 ms in the
    // test core), not this test's clock. Otherwise the first rows due would fail fast against the
    // open breaker and be given new backoffs, and with the clock still nothing would be due again.
    const count = (where: string, ...args: number[]): number =>
      (core.db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE ${where}`).get(...args) as { n: number }).n;
    await until('the last attempts to finish', () => count("state = 'sending'") === 0);
    await new Promise((r) => setTimeout(r, 300));
    // Each row waits out its own backoff (up to 10 minutes) for its next attempt. Move the clock
    // only to the first of them: it gets through, shows ØiR is back, and every other waiting ØiR
    // row is due at once: all are registered with the clock still.
    const settled = (): boolean => paid.every((p) => core.journal.get(p.id).state === 'settled');
    const firstDue = (
      core.db.prepare("SELECT MIN(next_attempt_at) AS at FROM outbox WHERE state = 'pending'").get() as { at: number }
    ).at;
    expect(count("state = 'pending' AND next_attempt_at <= ?", firstDue)).toBeLessThan(paid.length);
    offset += Math.max(0, firstDue - clock());
    await until('every payment registered', settled, 15_000);
    expect(sandboxes.oeir.sandbox.ledger.size).toBe(48);
    for (const p of paid) expect(sandboxes.oeir.sandbox.ledger.get(p.id)?.amountOre).toBe(100);
    expect(checkInvariants(dir.path, sandboxes)).toEqual([]);
  }, 120_000);

  it('FBS down: its registrations wait while ØiR registrations go through; then FBS catches up', async () => {
    const core = await startCore();
    // Registration down; reads answer (FBS wholly down: no borrower gets as far as paying).
    sandboxes.fbs.setFaults({ status: { code: 503, times: 1_000_000 }, pathIncludes: '/payment/v2' });
    const fbsPayment = await pay(core, '100002', [line('5001', 3000, 'fbs'), line('5002', 5550, 'fbs')]);
    const oeirPayment = await pay(core, '100003', [line('6001', 24995, 'debtor')]);
    expect([fbsPayment.state, oeirPayment.state]).toEqual(['approved', 'approved']);
    await until('the ØiR registration', () => core.journal.get(oeirPayment.id).state === 'settled');
    await until('FBS retried', () => core.outbox.listForPayment(fbsPayment.id)[0]!.attempts >= 3);
    expect(core.journal.get(fbsPayment.id).state).toBe('approved');
    expect(sandboxes.fbs.ledger).toEqual([]);

    sandboxes.fbs.setFaults({});
    await until('the FBS registration', () => core.journal.get(fbsPayment.id).state === 'settled');
    expect(sandboxes.fbs.ledger.map((l) => l.feeId).sort()).toEqual(['5001', '5002']);
    expect(checkInvariants(dir.path, sandboxes)).toEqual([]);
  });

  it('the terminal disconnects mid-payment: the money question is settled with the terminal, the next payment works', async () => {
    const core = await startCore();
    const { terminal } = sandboxes;
    // The approval is sent but the connection is cut before it arrives.
    terminal.queueScenario('drop');
    const dropped = await pay(core, '100002', [line('5001', 3000, 'fbs'), line('5002', 5550, 'fbs')]);
    expect(dropped.state).toBe('approved'); // learnt from the terminal's transaction status
    expect(terminal.paymentsFor(dropped.id)).toEqual([expect.objectContaining({ captured: true })]);

    // Unplugged while the borrower is at the PIN step: the driver loses the connection.
    const paying = pay(core, '100003', [line('6001', 24995, 'debtor')]);
    await until('the payment at the terminal', () => terminal.entries('Payment').length === 2);
    await terminal.setReachable(false);
    const lost = await paying;
    // Whatever happened, it is known or handed to staff; never left in doubt, never charged twice.
    expect(['declined', 'needs_attention', 'approved']).toContain(lost.state);
    await terminal.setReachable(true);

    // Plugged back in: the next borrower pays, no restart.
    terminal.reset();
    const next = await pay(core, '100004', [line('7001', 4500, 'fbs'), line('7002', 12025, 'debtor')]);
    expect(next.state).toBe('approved');
    await until('registrations', () => core.journal.get(next.id).state === 'settled');
    expect(terminal.paymentsFor(next.id).filter((e) => e.captured)).toHaveLength(1);
  });
});
