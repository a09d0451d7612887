import { describe, expect, it } from 'vitest';
import { sumOre, type Payment } from '../../contract/index.js';
import type { Kiosk } from '../../app/boot.js';
import { StaffActionRefusedError } from '../../core/payment-desk.js';
import { dayBounds, dayReportCsv, localDate } from '../../core/reconciliation.js';
import { kioskPerTest, lineFor } from '../support/kiosk-per-test.js';

const kiosks = kioskPerTest();
// A fresh journal per test: the day's report must hold only this test's payments.
const boot = (dataDir?: string): Promise<Kiosk> =>
  kiosks.boot({ oeir: { breaker: { failuresToOpen: 100 } } }, ...(dataDir ? [dataDir] : []));

async function pay(k: Kiosk, patronId: string, feeIds: readonly string[]): Promise<Payment> {
  const claims = (await k.fbs.claims(patronId)).filter((c) => c.route !== 'not-payable' && feeIds.includes(c.feeId));
  expect(claims.map((c) => c.feeId).sort()).toEqual([...feeIds].sort());
  return k.core.checkout.pay({ channel: 'staff', patronId, lines: claims.map(lineFor), actor: 'staff:personale' });
}

const settledState = (k: Kiosk, id: string) => k.core.journal.get(id).state;

describe('day reconciliation against the sandboxes', () => {
  it('balances a day of approved, declined, voided, queued, delivered and rejected payments', async () => {
    const k = await boot();
    const fbs = k.sandboxes.fbs!;
    const oeir = k.oeir.sandbox!;
    const terminal = k.terminal.simulator!;

    // Delivered to FBS.
    const delivered = await pay(k, '100002', ['5001']);
    // Declined at the terminal: no money, nothing to register.
    terminal.queueScenario('decline');
    const declined = await pay(k, '100002', ['5002']);
    expect(declined.state).toBe('declined');
    // Split: FBS and ØiR, both delivered.
    const split = await pay(k, '100004', ['7001', '7002']);
    await expect.poll(() => settledState(k, split.id), { timeout: 10_000 }).toBe('settled');
    // Rejected by the debtor system: a business fault is final.
    oeir.setFaults({ business: { code: 'FORDRING_LUKKET', times: 1 } });
    const rejected = await pay(k, '100003', ['6001']);
    await expect.poll(() => settledState(k, rejected.id), { timeout: 10_000 }).toBe('needs_attention');
    await expect.poll(() => settledState(k, delivered.id), { timeout: 10_000 }).toBe('settled');

    // FBS stops taking registrations: the next two wait in the queue.
    fbs.setFaults({ status: { code: 503, times: 100_000 }, pathIncludes: '/payment/v2' });
    const voided = await pay(k, '100005', ['8001']);
    const queued = await pay(k, '100006', ['8101']);
    await expect.poll(() => k.core.outbox.listForPayment(queued.id)[0]?.attempts ?? 0).toBeGreaterThan(0);

    // Staff void one of them at the terminal: the money goes back and it is never registered.
    // (Not while the worker is in the middle of an attempt: the desk refuses that, try again.)
    await expect.poll(() => k.desk.payment(voided.id).actions).toContain('void');
    const afterVoid = await k.desk.void(voided.id, 'borrower changed their mind', 'staff:personale');
    expect(afterVoid).toMatchObject({ state: 'voided', deliveries: [expect.objectContaining({ state: 'cancelled' })] });
    expect(terminal.paymentsFor(voided.id)).toEqual([expect.objectContaining({ captured: false, reversed: true })]);
    // A registered payment can no longer be voided here.
    await expect(k.desk.void(delivered.id, 'too late for this one', 'staff:personale')).rejects.toThrow(
      StaffActionRefusedError,
    );

    const report = k.desk.day(localDate(new Date(), 'Europe/Copenhagen'));
    const t = report.totals;
    // The sandboxes' own ledgers are the truth the kiosk's totals must match.
    const fbsLedgerOre = sumOre(fbs.ledger.map((e) => Math.round(Number(e.amount) * 100)));
    const oeirLedgerOre = sumOre([...oeir.ledger.values()].map((e) => e.amountOre));
    const captured = terminal.entries('Payment').filter((e) => e.captured);
    const terminalOre = sumOre(captured.map((e) => e.amountOre ?? 0));
    expect(t.fbsRegisteredOre).toBe(fbsLedgerOre);
    expect(t.oeirDeliveredOre).toBe(oeirLedgerOre);
    expect(t.netCardOre).toBe(terminalOre);
    expect({ fbsLedgerOre, oeirLedgerOre, terminalOre }).toEqual({
      fbsLedgerOre: 3000 + 4500,
      oeirLedgerOre: 12025,
      terminalOre: 3000 + 4500 + 12025 + 24995 + 1000,
    });
    expect(t).toMatchObject({
      cardApproved: { count: 5, ore: 3000 + 16525 + 24995 + 7500 + 1000 },
      voided: { count: 1, ore: 7500 },
      declined: { count: 1, ore: 5550 },
      inDoubt: { count: 0, ore: 0 },
      queuedOre: 1000,
      rejectedOre: 24995,
      resolvedByStaffOre: 0,
    });
    // Card total = everything registered, waiting or refused: nothing is unaccounted for.
    expect(t.netCardOre).toBe(t.fbsRegisteredOre + t.oeirDeliveredOre + t.queuedOre + t.rejectedOre);
    expect(report.balanced).toBe(false);
    expect(report.mismatches.map((m) => [m.paymentId, m.kind]).sort()).toEqual(
      [
        [rejected.id, 'needs-attention'],
        [rejected.id, 'rejected'],
        [queued.id, 'queued'],
      ].sort(),
    );
    expect(report.payments.find((p) => p.id === rejected.id)?.actions).toEqual([
      'retry',
      'void',
      'resolve-registered',
      'reprint',
    ]);

    // The CSV carries the same numbers, one row per payment and a total.
    const csv = dayReportCsv(report)
      .replace(/^\uFEFF/u, '')
      .trim()
      .split('\r\n');
    expect(csv).toHaveLength(1 + 6 + 1);
    expect(csv[0]).toMatch(/^dato;tid;betaling;kanal;status;kortbeløb;FBS registreret;ØiR registreret;i kø;afvist;/u);
    expect(csv.at(-1)).toContain(';I ALT;;3 afvigelse(r);455,20;75,00;120,25;10,00;249,95;');

    // FBS is back: staff retry the queued one at once, and finance settle the rejected one. The
    // desk refuses a retry while the worker is in the middle of an attempt (staff press again);
    // FBS comes back in the same tick as the press, so the worker cannot get there first.
    await expect
      .poll(() => {
        if (!k.desk.payment(queued.id).actions.includes('retry')) return false;
        fbs.setFaults({});
        k.desk.retry(queued.id, 'staff:personale');
        return true;
      })
      .toBe(true);
    await expect.poll(() => settledState(k, queued.id), { timeout: 10_000 }).toBe('settled');
    expect(() => k.desk.resolve(rejected.id, { kind: 'registered', reason: 'ok' }, 'staff:personale')).toThrow(
      /reason/u,
    );
    k.desk.resolve(
      rejected.id,
      { kind: 'registered', reason: 'entered in the debtor system by finance' },
      'staff:personale',
    );
    const after = k.desk.day(report.date);
    expect(after.balanced).toBe(true);
    expect(after.totals).toMatchObject({ queuedOre: 0, rejectedOre: 0, resolvedByStaffOre: 24995 });
    expect(after.totals.fbsRegisteredOre).toBe(sumOre(fbs.ledger.map((e) => Math.round(Number(e.amount) * 100))));

    // Every staff action is in the audit log under the staff member's id.
    const audited = k.core.db
      .prepare(`SELECT action FROM audit_log WHERE actor = 'staff:personale' ORDER BY seq`)
      .all()
      .map((r) => (r as { action: string }).action);
    expect(audited).toEqual(
      expect.arrayContaining([
        'payment.void-requested',
        'payment.voided',
        'delivery.retry-requested',
        'payment.settled',
      ]),
    );
  });

  it('resolves a payment the terminal could not account for, from its journal', async () => {
    const k = await boot();
    const flagged = await pay(k, '100002', ['5001']);
    // As recovery does when the terminal cannot say what happened.
    const payment = k.core.journal.createIntent({
      channel: 'kiosk',
      patronId: '100002',
      lines: flagged.lines.map((l) => ({ ...l, claimId: 'fbs:5002', feeId: '5002', amountOre: 5550 })),
      actor: 'kiosk',
    });
    k.core.journal.markAuthorizing(payment.id, { requestRef: 'ref-1' });
    k.core.journal.flagForStaff(payment.id, 'the terminal could not say what happened');
    expect(k.desk.payment(payment.id).actions).toEqual(['resolve-charged', 'resolve-not-charged']);
    k.desk.resolve(
      payment.id,
      { kind: 'charged', terminalTransactionRef: 'TX-778899', reason: 'approved in the terminal journal 14:02' },
      'staff:personale',
    );
    await expect.poll(() => settledState(k, payment.id), { timeout: 10_000 }).toBe('settled');
    expect(k.sandboxes.fbs!.ledger.map((e) => e.feeId)).toEqual(['5001', '5002']);
  });
});

describe('a void interrupted by a restart', () => {
  it('keeps the registrations held and hands the payment to staff', async () => {
    const dataDir = kiosks.dataDir();
    const k = await boot(dataDir);
    k.sandboxes.fbs!.setFaults({ status: { code: 503, times: 100_000 }, pathIncludes: '/payment/v2' });
    const payment = await pay(k, '100002', ['5001']);
    await expect.poll(() => k.desk.payment(payment.id).actions).toContain('void');
    // The kiosk stops after holding the registrations, before the terminal answered.
    k.core.journal.holdForVoid(payment.id, 'staff:personale');
    await kiosks.stop();
    const again = await boot(dataDir);
    expect(again.desk.payment(payment.id)).toMatchObject({
      state: 'needs_attention',
      reason: 'a void was interrupted by a restart: check the terminal journal',
      deliveries: [expect.objectContaining({ state: 'held' })],
      actions: ['retry', 'void', 'resolve-registered', 'reprint'],
    });
  });
});

describe('days in the library time zone', () => {
  it('starts at local midnight, summer and winter', () => {
    expect(dayBounds('2026-07-01', 'Europe/Copenhagen')).toEqual({
      from: '2026-06-30T22:00:00.000Z',
      to: '2026-07-01T22:00:00.000Z',
    });
    expect(dayBounds('2026-11-21', 'Europe/Copenhagen')).toEqual({
      from: '2026-11-20T23:00:00.000Z',
      to: '2026-11-21T23:00:00.000Z',
    });
    // The day summer time ends is 25 hours long.
    expect(dayBounds('2026-10-25', 'Europe/Copenhagen')).toEqual({
      from: '2026-10-24T22:00:00.000Z',
      to: '2026-10-25T23:00:00.000Z',
    });
    expect(() => dayBounds('2026-02-30', 'Europe/Copenhagen')).toThrow(RangeError);
    expect(() => dayBounds('yesterday', 'Europe/Copenhagen')).toThrow(RangeError);
  });
});
