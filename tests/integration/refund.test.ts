import { describe, expect, it } from 'vitest';
import type { Payment, PaymentMethod } from '../../contract/index.js';
import type { Kiosk } from '../../app/boot.js';
import { StaffActionRefusedError } from '../../core/payment-desk.js';
import { dayReportCsv } from '../../core/reconciliation.js';
import { RefundStore } from '../../db/refunds.js';
import { kioskPerTest, lineFor } from '../support/kiosk-per-test.js';

/**
 * Refunds after registration, against the sandboxes over real sockets: the money goes back once
 * (the card terminal's or MobilePay's own ledger says so), the registrations stand and the day
 * shows it until staff reopen the claims, two staff members pressing at once refund once, an
 * unanswered refund asked again pays back once, and a refund cut short by a restart is handed to
 * staff. The reopened claim can then be paid again at the kiosk.
 */
const kiosks = kioskPerTest();
const boot = (dataDir?: string) =>
  kiosks.boot({ mobilepay: { enabled: true, requestTimeoutMs: 1_500 } }, ...(dataDir ? [dataDir] : []));

async function paySettled(k: Kiosk, patronId: string, feeId: string, method: PaymentMethod = 'card'): Promise<Payment> {
  const claims = (await k.fbs.claims(patronId)).filter((c) => c.route !== 'not-payable' && c.feeId === feeId);
  expect(claims).toHaveLength(1);
  const payment = await k.core.checkout.pay(
    { channel: 'staff', patronId, lines: claims.map(lineFor), actor: 'staff:personale', method },
    // The borrower's phone approves once the QR is on the screen.
    (progress) => {
      if (progress.qr) k.mobilepay.sandbox!.answerLatest('approve');
    },
  );
  expect(payment.state).toBe('approved');
  await expect.poll(() => k.core.journal.get(payment.id).state, { timeout: 10_000 }).toBe('settled');
  return payment;
}

const STAFF = 'staff:personale';

describe('a refund after registration', () => {
  it('card: reversed at the terminal once, the registration stands until staff reopen the claim, then it can be paid again', async () => {
    const k = await boot();
    const terminal = k.terminal.simulator!;
    const fbs = k.sandboxes.fbs!;
    const paid = await paySettled(k, '100002', '5001');
    expect(fbs.ledger.filter((e) => e.feeId === '5001')).toHaveLength(1);
    // Registered: a void can no longer take it back; a refund can.
    expect(k.desk.payment(paid.id).actions).toEqual(['reprint', 'refund']);
    await expect(k.desk.void(paid.id, 'borrower found the book', STAFF)).rejects.toThrow(StaffActionRefusedError);
    await expect(k.desk.refund(paid.id, 'no', STAFF)).rejects.toThrow(/reason/u);

    k.printer.simulator!.clearReceipts();
    const refunded = await k.desk.refund(paid.id, 'borrower found the book', STAFF);
    // The borrower's slip: the amount back, the payment it belongs to, where it went.
    const slip = k.printer.simulator!.receipts().at(-1)!.join('\n');
    expect(slip).toContain('Tilbagebetaling');
    expect(slip).toContain(paid.id);
    expect(slip).toMatch(/Tilbagebetalt\s+-30,00 kr\./u);
    expect(slip).not.toMatch(/\d{6,}\*{2,}|\d{12,}/u);
    expect(terminal.paymentsFor(paid.id)).toEqual([expect.objectContaining({ captured: false, reversed: true })]);
    expect(refunded).toMatchObject({
      state: 'settled',
      actions: ['reprint', 'confirm-reinstated'],
      refund: { state: 'refunded', amountOre: 3000, registeredIn: ['fbs'], reinstated: null, requestedBy: STAFF },
    });
    // Asked again: refused by the kiosk, nothing sent to the terminal.
    await expect(k.desk.refund(paid.id, 'pressed twice by mistake', STAFF)).rejects.toThrow(StaffActionRefusedError);
    expect(terminal.entries('Reversal')).toHaveLength(1);

    // The day: money out, and a mismatch until the claim is reopened in FBS.
    let day = k.desk.day();
    expect(day.totals).toMatchObject({
      cardApproved: { count: 1, ore: 3000 },
      refunded: { count: 1, ore: 3000 },
      netCardOre: 0,
      byMethod: { card: { count: 1, ore: 0 } },
      fbsRegisteredOre: 3000,
    });
    expect(day.refunds).toEqual([expect.objectContaining({ paymentId: paid.id, state: 'refunded' })]);
    expect(day.mismatches).toEqual([
      expect.objectContaining({ paymentId: paid.id, kind: 'refund-not-reinstated', amountOre: 3000 }),
    ]);
    const csv = dayReportCsv(day).split('\r\n');
    expect(csv.find((row) => row.includes(';tilbagebetaling;'))).toMatch(/;refunded;-30,00;/u);

    // Staff reopen the fee in FBS and say so: the day balances.
    fbs.reopenFee('5001');
    expect(() => k.desk.confirmReinstated(paid.id, 'x', STAFF)).toThrow(StaffActionRefusedError);
    expect(k.desk.confirmReinstated(paid.id, 'FBS: fee 5001 reopened', STAFF)).toMatchObject({
      actions: ['reprint'],
      refund: { reinstated: { by: STAFF, note: 'FBS: fee 5001 reopened' } },
    });
    day = k.desk.day();
    expect(day.balanced).toBe(true);
    // The totals add up again: what was taken, net, is what stands registered.
    const t = day.totals;
    expect(t).toMatchObject({ netCardOre: 0, fbsRegisteredOre: 3000, reopenedOre: 3000 });
    expect(t.netCardOre).toBe(
      t.fbsRegisteredOre + t.oeirDeliveredOre + t.queuedOre + t.rejectedOre + t.resolvedByStaffOre - t.reopenedOre,
    );

    // The reopened claim is the borrower's to pay again: the kiosk no longer holds it.
    const again = await paySettled(k, '100002', '5001');
    expect(again.id).not.toBe(paid.id);
    expect(fbs.ledger.filter((e) => e.feeId === '5001')).toHaveLength(2);
    const audit = k.core.db
      .prepare("SELECT action FROM audit_log WHERE subject = ? AND action LIKE 'payment.refund-%' ORDER BY seq")
      .all(paid.id) as { action: string }[];
    expect(audit.map((e) => e.action)).toEqual([
      'payment.refund-requested',
      'payment.refund-refunded',
      'payment.refund-reinstated',
    ]);
  });

  it('two staff members refund at once: one refund reaches the terminal, the other is refused', async () => {
    const k = await boot();
    const paid = await paySettled(k, '100002', '5001');
    const results = await Promise.allSettled([
      k.desk.refund(paid.id, 'borrower found the book', 'staff:a'),
      k.desk.refund(paid.id, 'borrower found the book', 'staff:b'),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(k.terminal.simulator!.entries('Reversal')).toHaveLength(1);
    expect(k.desk.payment(paid.id).refund?.state).toBe('refunded');
  });

  it('card: the terminal refuses, nothing moved; asked again once it accepts', async () => {
    const k = await boot();
    const terminal = k.terminal.simulator!;
    const paid = await paySettled(k, '100002', '5001');
    terminal.setState({ refuseReversals: true });
    await expect(k.desk.refund(paid.id, 'borrower found the book', STAFF)).rejects.toThrow(/refused/u);
    expect(k.desk.payment(paid.id)).toMatchObject({ refund: { state: 'refused' }, actions: ['reprint', 'refund'] });
    expect(k.desk.day().totals.refunded).toEqual({ count: 0, ore: 0 });
    expect(k.desk.day().mismatches).toEqual([]);
    terminal.setState({ refuseReversals: false });
    await k.desk.refund(paid.id, 'borrower found the book', STAFF);
    expect(k.desk.payment(paid.id).refund?.state).toBe('refunded');
    expect(terminal.paymentsFor(paid.id)).toEqual([expect.objectContaining({ reversed: true })]);
  });

  it('MobilePay: the refund’s answer lost, asked again: paid back once, by the same key', async () => {
    const k = await boot();
    const sandbox = k.mobilepay.sandbox!;
    const paid = await paySettled(k, '100002', '5001', 'mobilepay');
    expect(sandbox.payments.get(paid.id)).toMatchObject({ capturedOre: 3000, refundedOre: 0 });

    // The refund is made, its answer lost on the way back: in doubt, for staff.
    sandbox.setFaults({ pathIncludes: '/refund', dropAnswer: true });
    await expect(k.desk.refund(paid.id, 'paid twice at the counter', STAFF)).rejects.toThrow(/no answer/u);
    expect(sandbox.payments.get(paid.id)!.refundedOre).toBe(3000);
    expect(k.desk.payment(paid.id)).toMatchObject({ refund: { state: 'unknown' }, actions: ['reprint', 'refund'] });
    expect(k.desk.day().mismatches).toEqual([expect.objectContaining({ kind: 'refund-in-doubt', amountOre: 3000 })]);

    // Asked again: MobilePay says it is already refunded; no second refund.
    sandbox.setFaults({});
    await k.desk.refund(paid.id, 'paid twice at the counter', STAFF);
    const ledger = sandbox.payments.get(paid.id)!;
    expect(ledger.refundedOre).toBe(3000);
    expect(ledger.events.filter((e) => e.name === 'REFUNDED')).toHaveLength(1);
    expect(k.desk.payment(paid.id).refund).toMatchObject({ state: 'refunded' });
    expect(k.desk.day().totals.byMethod.mobilepay).toEqual({ count: 1, ore: 0 });
  });

  it('a refund cut short by a restart is in doubt for staff, never lost and never repeated by itself', async () => {
    const dataDir = kiosks.dataDir();
    let k = await boot(dataDir);
    const paid = await paySettled(k, '100002', '5001');
    // The attempt is on disk, the terminal not yet asked: the kiosk stops here.
    new RefundStore(k.core.db, k.core.audit).begin({
      paymentId: paid.id,
      amountOre: paid.amountOre,
      reason: 'borrower found the book',
      actor: STAFF,
    });
    await kiosks.stop();
    k = await boot(dataDir);
    expect(k.terminal.simulator!.entries('Reversal')).toHaveLength(0);
    expect(k.desk.payment(paid.id)).toMatchObject({
      refund: { state: 'unknown', detail: expect.stringContaining('stopped') as unknown },
      actions: ['reprint', 'refund'],
    });
    expect(k.desk.day().mismatches).toEqual([expect.objectContaining({ paymentId: paid.id, kind: 'refund-in-doubt' })]);
  });
});
