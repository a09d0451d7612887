import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../db/audit.js';
import { ClaimAlreadyChargedError, IllegalTransitionError } from '../../db/journal.js';
import { JournalReader } from '../../db/readable.js';
import { planDeliveries } from '../../core/deliveries.js';
import { line } from '../support/fixtures.js';
import { openStores, type Stores } from '../support/stores.js';

let s: Stores;
beforeEach(() => {
  s = openStores();
});
afterEach(() => s.close());

function approvedPayment(lines = [line('101', 2500, 'fbs'), line('202', 4000, 'debtor')]) {
  const intent = s.journal.createIntent({ channel: 'kiosk', patronId: 'patron-1', lines, actor: 'kiosk' });
  s.journal.markAuthorizing(intent.id);
  return s.journal.approve(intent.id, 'TX-1', planDeliveries(intent, 'TX-1', new Date()));
}

describe('payment journal', () => {
  it('persists an intent with its claims and the total', () => {
    const p = s.journal.createIntent({
      channel: 'kiosk',
      patronId: 'patron-1',
      lines: [line('101', 2500), line('102', 1050)],
      actor: 'kiosk',
    });
    expect(p.state).toBe('created');
    expect(p.amountOre).toBe(3550);
    expect(p.lines.map((l) => l.feeId)).toEqual(['101', '102']);
    expect(s.journal.get(p.id)).toEqual(p);
  });

  it('refuses an intent with a claim twice, no claims, or a non-payable amount', () => {
    const base = { channel: 'kiosk' as const, patronId: 'p', actor: 'kiosk' };
    expect(() => s.journal.createIntent({ ...base, lines: [line('1', 100), line('1', 100)] })).toThrow(/twice/);
    expect(() => s.journal.createIntent({ ...base, lines: [] })).toThrow();
    expect(() => s.journal.createIntent({ ...base, lines: [line('1', 0)] })).toThrow();
    expect(() => s.journal.createIntent({ ...base, lines: [line('1', 10.5)] })).toThrow();
    expect(s.db.prepare('SELECT COUNT(*) AS n FROM payments').get()).toEqual({ n: 0 });
  });

  it('writes the approval and its outbox rows in one transaction: one row per route, keys fixed', () => {
    const p = approvedPayment();
    expect(p.state).toBe('approved');
    expect(p.terminalTransactionRef).toBe('TX-1');
    const rows = s.outbox.listForPayment(p.id);
    expect(
      rows.map((r) => [r.target, r.idempotencyKey, r.state, (r.payload as { amountOre: number }).amountOre]),
    ).toEqual([
      ['oeir.indbetaling', `${p.id}-debtor`, 'pending', 4000],
      ['fbs.payment', `${p.id}-fbs`, 'pending', 2500],
    ]);
  });

  it('leaves neither approval nor outbox rows when the outbox write fails', () => {
    const intent = s.journal.createIntent({ channel: 'kiosk', patronId: 'p', lines: [line('1', 100)], actor: 'kiosk' });
    s.journal.markAuthorizing(intent.id);
    // Same idempotency key twice violates the outbox's UNIQUE constraint half way through.
    const spec = planDeliveries(intent, 'TX', new Date())[0]!;
    expect(() => s.journal.approve(intent.id, 'TX', [spec, spec])).toThrow();
    expect(s.journal.get(intent.id).state).toBe('authorizing');
    expect(s.outbox.listForPayment(intent.id)).toEqual([]);
  });

  it('enforces legal transitions and records each one', () => {
    const intent = s.journal.createIntent({ channel: 'kiosk', patronId: 'p', lines: [line('1', 100)], actor: 'kiosk' });
    expect(() => s.journal.approve(intent.id, 'TX', planDeliveries(intent, 'TX', new Date()))).toThrow(
      IllegalTransitionError,
    );
    s.journal.markAuthorizing(intent.id);
    s.journal.decline(intent.id, 'refused', 'card declined');
    expect(() => s.journal.markAuthorizing(intent.id)).toThrow(IllegalTransitionError);
    const history = s.db
      .prepare('SELECT from_state, to_state FROM payment_transitions WHERE payment_id = ? ORDER BY id')
      .all(intent.id);
    expect(history).toEqual([
      { from_state: null, to_state: 'created' },
      { from_state: 'created', to_state: 'authorizing' },
      { from_state: 'authorizing', to_state: 'declined' },
    ]);
  });

  it('settles the payment in the same transaction as its last delivery', () => {
    const p = approvedPayment();
    const [first, second] = s.outbox.leaseDue(10, 60_000);
    expect(s.outbox.markDelivered(first!, { ok: 1 })).toBe(true);
    expect(s.journal.get(p.id).state).toBe('approved');
    expect(s.outbox.markDelivered(second!, { ok: 2 })).toBe(true);
    expect(s.journal.get(p.id).state).toBe('settled');
  });

  it('flags the payment for staff when a delivery is rejected', () => {
    const p = approvedPayment();
    const [first] = s.outbox.leaseDue(1, 60_000);
    s.outbox.markRejected(first!, 'paymentNotAllowedByClient');
    expect(s.journal.get(p.id).state).toBe('needs_attention');
  });

  it('lists payments in doubt (authorizing, unknown) for recovery', () => {
    const a = s.journal.createIntent({ channel: 'kiosk', patronId: 'p', lines: [line('1', 100)], actor: 'kiosk' });
    s.journal.markAuthorizing(a.id);
    const b = s.journal.createIntent({ channel: 'kiosk', patronId: 'p', lines: [line('2', 100)], actor: 'kiosk' });
    s.journal.markAuthorizing(b.id);
    s.journal.markUnknown(b.id, 'timeout');
    approvedPayment();
    expect(
      s.journal
        .listInDoubt()
        .map((p) => p.id)
        .sort(),
    ).toEqual([a.id, b.id].sort());
  });

  it('audits every money event with a valid chain', () => {
    const p = approvedPayment();
    const actions = s.db.prepare('SELECT action FROM audit_log WHERE subject = ? ORDER BY seq').all(p.id);
    expect(actions).toEqual([
      { action: 'payment.created' },
      { action: 'payment.authorizing' },
      { action: 'payment.approved' },
    ]);
    expect(verifyAuditChain(s.db)).toEqual({ ok: true, rows: 3 });
  });
});

describe('claims the journal holds (never charged twice)', () => {
  const intent = (lines: ReturnType<typeof line>[]) =>
    s.journal.createIntent({ channel: 'kiosk', patronId: 'patron-1', lines, actor: 'kiosk' });

  it('refuses a second intent for a claim while a payment holds it, in every holding state', () => {
    const first = intent([line('101', 2500)]);
    const again = () => intent([line('303', 100), line('101', 2500)]);
    for (const step of [
      () => undefined, // created
      () => s.journal.markAuthorizing(first.id),
      () => s.journal.markUnknown(first.id, 'answer lost'),
      () => s.journal.approve(first.id, 'TX-1', planDeliveries(first, 'TX-1', new Date())),
    ]) {
      step();
      const state = s.journal.get(first.id).state;
      const error = (() => {
        try {
          again();
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error, state).toBeInstanceOf(ClaimAlreadyChargedError);
      expect((error as ClaimAlreadyChargedError).charges).toEqual([
        expect.objectContaining({ feeId: '101', paymentId: first.id, state }),
      ]);
    }
    // Nothing of the refused intents was written: one payment, one line.
    expect(s.db.prepare('SELECT COUNT(*) AS n FROM payment_lines').get()).toEqual({ n: 1 });
  });

  it('says whether a held claim is charged and registered', () => {
    const p = approvedPayment([line('101', 2500, 'fbs')]);
    expect(s.journal.chargesForFees(['101', '999'])).toEqual([
      {
        feeId: '101',
        claimId: 'fbs:101',
        paymentId: p.id,
        state: 'approved',
        charged: true,
        registered: false,
        at: p.createdAt,
      },
    ]);
    const [row] = s.outbox.leaseDue(1, 60_000);
    s.outbox.markDelivered(row!, { ok: true });
    expect(s.journal.chargesForFees(['101'])).toEqual([
      expect.objectContaining({ state: 'settled', charged: true, registered: true }),
    ]);
  });

  it('releases a claim when its payment is declined or voided', () => {
    const declined = intent([line('101', 2500)]);
    s.journal.markAuthorizing(declined.id);
    s.journal.decline(declined.id, 'refused', '');
    const approved = intent([line('101', 2500)]);
    s.journal.markAuthorizing(approved.id);
    s.journal.approve(approved.id, 'TX-2', planDeliveries(approved, 'TX-2', new Date()));
    s.journal.holdForVoid(approved.id, 'staff:1');
    s.journal.void(approved.id, 'staff: reversed', 'staff:1');
    expect(s.journal.chargesForFees(['101'])).toEqual([]);
    expect(intent([line('101', 2500)]).state).toBe('created');
  });

  it('sends a capture the terminal reports for a declined payment to staff, with its reference', () => {
    const p = intent([line('101', 2500)]);
    s.journal.markAuthorizing(p.id, { requestRef: 'Ref0000001' });
    s.journal.decline(p.id, 'not-received', 'the terminal never received the request');
    expect(s.journal.chargesForFees(['101'])).toEqual([]);
    const at = new Date().toISOString();
    const flagged = s.journal.recordTerminalCheck({
      paymentId: p.id,
      outcome: 'captured',
      capturedOre: 2500,
      transactionRef: 'TX-LATE',
      checkedAt: at,
    });
    expect(flagged).toMatchObject({ state: 'needs_attention', terminalTransactionRef: 'TX-LATE' });
    expect(s.journal.latestReason(p.id)).toMatch(/^terminal-capture: the terminal took 2500 øre \(reference TX-LATE\)/);
    // Now it holds its claim again: the money was taken.
    expect(s.journal.chargesForFees(['101'])).toEqual([expect.objectContaining({ paymentId: p.id, charged: true })]);
    expect(JournalReader.over(s.db).terminalDisagreements()).toEqual({
      capturedNotRecorded: 1,
      recordedNotCaptured: 0,
    });
    expect(s.journal.terminalChecks.get(p.id)).toMatchObject({ outcome: 'captured', capturedOre: 2500 });
    expect(verifyAuditChain(s.db).ok).toBe(true);
  });
});
