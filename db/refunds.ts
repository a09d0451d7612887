import { randomUUID } from 'node:crypto';
import type { AuditLog } from './audit.js';
import type { Db } from './open.js';

export type RefundState = 'requested' | 'refunded' | 'refused' | 'unknown';

export interface Refund {
  /** The refund's own id: its idempotency key at the provider, the same for every attempt. */
  readonly id: string;
  readonly paymentId: string;
  readonly amountOre: number;
  readonly state: RefundState;
  readonly reason: string;
  readonly requestedBy: string;
  /** The latest attempt (ISO): the refund belongs to that day's report. */
  readonly requestedAt: string;
  readonly refundedAt: string | null;
  /** Why it was refused, or what is unknown about it. */
  readonly detail: string | null;
  /** Staff confirmed the claims are open again in FBS or the debtor system. */
  readonly reinstated: { readonly by: string; readonly at: string; readonly note: string } | null;
}

interface Row {
  id: string;
  payment_id: string;
  amount_ore: number;
  state: RefundState;
  reason: string;
  requested_by: string;
  requested_at: string;
  refunded_at: string | null;
  detail: string | null;
  reinstated_by: string | null;
  reinstated_at: string | null;
  reinstated_note: string | null;
}

const toRefund = (r: Row): Refund => ({
  id: r.id,
  paymentId: r.payment_id,
  amountOre: r.amount_ore,
  state: r.state,
  reason: r.reason,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  refundedAt: r.refunded_at,
  detail: r.detail,
  reinstated:
    r.reinstated_at && r.reinstated_by
      ? { by: r.reinstated_by, at: r.reinstated_at, note: r.reinstated_note ?? '' }
      : null,
});

/** A refund that cannot be asked now: one is under way, or already done. */
export class RefundNotPossibleError extends Error {
  constructor(readonly refund: Refund) {
    super(
      refund.state === 'refunded'
        ? `payment ${refund.paymentId} was already refunded (${refund.refundedAt ?? ''})`
        : `a refund of payment ${refund.paymentId} is already under way`,
    );
    this.name = 'RefundNotPossibleError';
  }
}

/** Read-only: what the day's report needs. */
export interface RefundReads {
  forPayment(paymentId: string): Refund | null;
  requestedBetween(fromIso: string, toIso: string): Refund[];
}

/**
 * The refunds table (migration 015). Every change is one transaction with its audit entry, and
 * the start of an attempt is an atomic claim on the payment's one row: of two staff members who
 * press "refund" at once, one gets the attempt and the other an error, never a second refund.
 */
export class RefundStore implements RefundReads {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO refunds (id, payment_id, amount_ore, state, reason, requested_by, requested_at, updated_at)
         VALUES (@id, @paymentId, @amountOre, 'requested', @reason, @actor, @at, @at)
         ON CONFLICT (payment_id) DO NOTHING`,
      ),
      again: db.prepare(
        `UPDATE refunds SET state = 'requested', reason = @reason, requested_by = @actor, requested_at = @at,
                detail = NULL, updated_at = @at
          WHERE payment_id = @paymentId AND state IN ('refused', 'unknown')`,
      ),
      refunded: db.prepare(
        `UPDATE refunds SET state = 'refunded', refunded_at = @at, detail = NULL, updated_at = @at
          WHERE id = @id AND state = 'requested'`,
      ),
      settle: db.prepare(
        `UPDATE refunds SET state = @state, detail = @detail, updated_at = @at
          WHERE id = @id AND state = 'requested'`,
      ),
      reinstated: db.prepare(
        `UPDATE refunds SET reinstated_by = @actor, reinstated_at = @at, reinstated_note = @note, updated_at = @at
          WHERE payment_id = @paymentId AND state = 'refunded' AND reinstated_at IS NULL`,
      ),
      forPayment: db.prepare('SELECT * FROM refunds WHERE payment_id = ?'),
      between: db.prepare(
        'SELECT * FROM refunds WHERE requested_at >= ? AND requested_at < ? ORDER BY requested_at, id',
      ),
      requested: db.prepare(`SELECT * FROM refunds WHERE state = 'requested' ORDER BY requested_at`),
    };
  }

  /**
   * Starts an attempt before the provider is asked (persist, then act): a new row, or a refused
   * or unknown one asked again under the same id. Throws RefundNotPossibleError when an attempt
   * is under way or the payment is already refunded.
   */
  begin(request: { paymentId: string; amountOre: number; reason: string; actor: string }): Refund {
    return this.db.transaction(() => {
      const at = this.now().toISOString();
      const params = { ...request, id: randomUUID(), at };
      const started = this.stmts.insert.run(params).changes === 1 || this.stmts.again.run(params).changes === 1;
      const refund = this.forPayment(request.paymentId)!;
      if (!started) throw new RefundNotPossibleError(refund);
      this.audit.append({
        actor: request.actor,
        action: 'payment.refund-requested',
        subject: request.paymentId,
        data: { refundId: refund.id, amountOre: refund.amountOre, reason: request.reason },
      });
      return refund;
    })();
  }

  /** The provider gave the money back. */
  refunded(refund: Refund, actor: string): void {
    this.finish(refund, this.stmts.refunded, { id: refund.id, at: this.now().toISOString() }, actor, 'refunded', null);
  }

  /** The provider said no: nothing moved; staff may try again. */
  refused(refund: Refund, detail: string, actor: string): void {
    this.finish(refund, this.stmts.settle, this.settleParams(refund, 'refused', detail), actor, 'refused', detail);
  }

  /** No answer: the money may be back. Staff check the provider, then try again (same id). */
  unknown(refund: Refund, detail: string, actor: string): void {
    this.finish(refund, this.stmts.settle, this.settleParams(refund, 'unknown', detail), actor, 'unknown', detail);
  }

  /** Staff reopened the claims in FBS or the debtor system; false when there was nothing to confirm. */
  reinstated(paymentId: string, note: string, actor: string): boolean {
    return this.db.transaction(() => {
      const changed = this.stmts.reinstated.run({ paymentId, note, actor, at: this.now().toISOString() }).changes === 1;
      if (changed)
        this.audit.append({ actor, action: 'payment.refund-reinstated', subject: paymentId, data: { note } });
      return changed;
    })();
  }

  forPayment(paymentId: string): Refund | null {
    const row = this.stmts.forPayment.get(paymentId) as Row | undefined;
    return row ? toRefund(row) : null;
  }

  requestedBetween(fromIso: string, toIso: string): Refund[] {
    return (this.stmts.between.all(fromIso, toIso) as Row[]).map(toRefund);
  }

  /**
   * At start: attempts a crash or stop cut short. The provider may have paid the money back, so
   * they become `unknown` for staff (asking again is safe: the same id, and the provider is
   * asked what it already refunded first). Returns them.
   */
  markInterrupted(): Refund[] {
    const cut = (this.stmts.requested.all() as Row[]).map(toRefund);
    for (const refund of cut)
      this.unknown(refund, 'the kiosk stopped while the refund was asked: it may have been paid back', 'kiosk');
    return cut;
  }

  private settleParams(refund: Refund, state: 'refused' | 'unknown', detail: string) {
    return { id: refund.id, state, detail: detail.slice(0, 2000), at: this.now().toISOString() };
  }

  private finish(
    refund: Refund,
    stmt: { run(params: object): { changes: number } },
    params: object,
    actor: string,
    outcome: RefundState,
    detail: string | null,
  ): void {
    this.db.transaction(() => {
      if (stmt.run(params).changes !== 1)
        throw new Error(`refund ${refund.id} is no longer under way: it cannot become ${outcome}`);
      this.audit.append({
        actor,
        action: `payment.refund-${outcome}`,
        subject: refund.paymentId,
        data: { refundId: refund.id, amountOre: refund.amountOre, ...(detail ? { detail } : {}) },
      });
    })();
  }
}
