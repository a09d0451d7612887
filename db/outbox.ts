import { randomUUID } from 'node:crypto';
import type { DeliveryState } from '../contract/index.js';
import type { Db } from './open.js';

/**
 * Store-and-forward queue of calls to other systems (FBS, ØiR, …). Rows are written in the same
 * transaction as the change that needs them (a payment's approval), then delivered by the
 * worker in core/outbox-worker.ts. The idempotency key is fixed when the row is created and sent
 * on every attempt, so a retry after a crash is recognised by the receiver as the same call.
 */
export interface OutboxSpec {
  readonly target: string;
  readonly idempotencyKey: string;
  readonly payload: unknown;
  readonly paymentId?: string | null;
}

export interface OutboxRow {
  readonly id: number;
  readonly target: string;
  readonly paymentId: string | null;
  readonly idempotencyKey: string;
  readonly payload: unknown;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly leaseToken: string | null;
  readonly leaseUntil: number | null;
  readonly lastError: string | null;
  readonly result: unknown;
}

export interface LeasedRow extends OutboxRow {
  readonly leaseToken: string;
}

/** Final outcome of a row; the hook runs inside the same transaction that records it. */
export type FinalOutcome = 'delivered' | 'rejected';
export type OnFinal = (row: OutboxRow, outcome: FinalOutcome) => void;

interface RawRow {
  id: number;
  target: string;
  payment_id: string | null;
  idempotency_key: string;
  payload_json: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  lease_token: string | null;
  lease_until: number | null;
  last_error: string | null;
  result_json: string | null;
}

function fromRaw(raw: RawRow): OutboxRow {
  return {
    id: raw.id,
    target: raw.target,
    paymentId: raw.payment_id,
    idempotencyKey: raw.idempotency_key,
    payload: JSON.parse(raw.payload_json) as unknown,
    state: raw.state,
    attempts: raw.attempts,
    nextAttemptAt: raw.next_attempt_at,
    leaseToken: raw.lease_token,
    leaseUntil: raw.lease_until,
    lastError: raw.last_error,
    result: raw.result_json === null ? null : (JSON.parse(raw.result_json) as unknown),
  };
}

/** Errors are stored for staff; keep them short so a huge remote body can't bloat the journal. */
const MAX_ERROR_LENGTH = 2000;

export class OutboxStore {
  private readonly stmts;
  private onFinal: OnFinal = () => {};

  constructor(
    private readonly db: Db,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO outbox (target, payment_id, idempotency_key, payload_json, state, attempts,
                             next_attempt_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
      ),
      // Two index-ordered look-ups instead of one OR: each reads only the rows it returns.
      expiredLeases: db.prepare(
        `SELECT id FROM outbox WHERE state = 'sending' AND lease_until <= ? ORDER BY lease_until LIMIT ?`,
      ),
      duePending: db.prepare(
        `SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`,
      ),
      // See leaseDue: rows the wall clock left stranded in the future after it went back.
      pullBackPending: db.prepare(
        `UPDATE outbox SET next_attempt_at = ? WHERE state = 'pending' AND next_attempt_at > ?`,
      ),
      pullBackLeases: db.prepare(`UPDATE outbox SET lease_until = ? WHERE state = 'sending' AND lease_until > ?`),
      lease: db.prepare(
        `UPDATE outbox
            SET state = 'sending', attempts = attempts + 1, lease_token = ?, lease_until = ?, updated_at = ?
          WHERE id IN (SELECT value FROM json_each(?))
          RETURNING *`,
      ),
      delivered: db.prepare(
        `UPDATE outbox SET state = 'delivered', lease_token = NULL, lease_until = NULL,
                result_json = ?, last_error = NULL, updated_at = ?
          WHERE id = ? AND state = 'sending' AND lease_token = ? RETURNING *`,
      ),
      retry: db.prepare(
        `UPDATE outbox SET state = 'pending', lease_token = NULL, lease_until = NULL,
                next_attempt_at = ?, last_error = ?, updated_at = ?
          WHERE id = ? AND state = 'sending' AND lease_token = ? RETURNING *`,
      ),
      rejected: db.prepare(
        `UPDATE outbox SET state = 'rejected', lease_token = NULL, lease_until = NULL,
                last_error = ?, result_json = ?, updated_at = ?
          WHERE id = ? AND state = 'sending' AND lease_token = ? RETURNING *`,
      ),
      // See markDelivered: the target is back, so its rows waiting after a failure are due now.
      dueNowForTarget: db.prepare(
        `UPDATE outbox SET next_attempt_at = ?
          WHERE state = 'pending' AND target = ? AND next_attempt_at > ? AND last_error IS NOT NULL`,
      ),
      byId: db.prepare('SELECT * FROM outbox WHERE id = ?'),
      byPayment: db.prepare('SELECT * FROM outbox WHERE payment_id = ? ORDER BY id'),
      counts: db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state'),
      hold: db.prepare(`UPDATE outbox SET state = 'held', updated_at = ? WHERE payment_id = ? AND state = 'pending'`),
      cancelHeld: db.prepare(
        `UPDATE outbox SET state = 'cancelled', last_error = ?, updated_at = ? WHERE payment_id = ? AND state = 'held'`,
      ),
      // Held rows go back to the queue too: a void that was interrupted may be given up.
      retryNow: db.prepare(
        `UPDATE outbox SET state = 'pending', next_attempt_at = ?, updated_at = ?
          WHERE payment_id = ? AND state IN ('pending', 'rejected', 'held')`,
      ),
      nextPending: db.prepare(`SELECT MIN(next_attempt_at) AS at FROM outbox WHERE state = 'pending'`),
      nextLeaseExpiry: db.prepare(`SELECT MIN(lease_until) AS at FROM outbox WHERE state = 'sending'`),
    };
  }

  /** Called by the composition root: lets the journal react to a final outcome atomically. */
  setOnFinal(hook: OnFinal): void {
    this.onFinal = hook;
  }

  /** Adds a row. Call inside the transaction that makes the call necessary. */
  enqueue(spec: OutboxSpec): number {
    const now = this.nowMs();
    const iso = new Date(now).toISOString();
    const info = this.stmts.insert.run(
      spec.target,
      spec.paymentId ?? null,
      spec.idempotencyKey,
      JSON.stringify(spec.payload),
      now,
      iso,
      iso,
    );
    return Number(info.lastInsertRowid);
  }

  /**
   * Leases up to `limit` rows that are due, or whose lease expired (the worker that held them
   * died). Every attempt gets a fresh lease token; only its holder can complete the row.
   *
   * `maxWaitMs` is the longest a row may wait for its next attempt (the longest backoff). If the
   * wall clock went back (an NTP correction, a wrong clock at boot), rows would otherwise wait
   * the size of the jump: a row due further ahead than that is due now, and a lease running
   * longer than a lease ends a lease from now. A jump forward needs nothing: leases expire early
   * and the row is sent again under the same idempotency key, which the receiver recognises.
   */
  leaseDue(limit: number, leaseMs: number, maxWaitMs = Number.MAX_SAFE_INTEGER): LeasedRow[] {
    const now = this.nowMs();
    return this.db
      .transaction(() => {
        if (now + maxWaitMs < Number.MAX_SAFE_INTEGER) this.stmts.pullBackPending.run(now, now + maxWaitMs);
        this.stmts.pullBackLeases.run(now + leaseMs, now + leaseMs);
        const ids = (this.stmts.expiredLeases.all(now, limit) as { id: number }[]).map((r) => r.id);
        if (ids.length < limit) {
          ids.push(...(this.stmts.duePending.all(now, limit - ids.length) as { id: number }[]).map((r) => r.id));
        }
        if (ids.length === 0) return [];
        const token = randomUUID();
        const rows = this.stmts.lease.all(
          token,
          now + leaseMs,
          new Date(now).toISOString(),
          JSON.stringify(ids),
        ) as RawRow[];
        return rows.map(fromRaw).sort((a, b) => a.id - b.id) as LeasedRow[];
      })
      .immediate();
  }

  /**
   * Returns false if the lease was lost (expired and taken by another attempt).
   *
   * A row that gets through after failing means the other system is back after an outage: the
   * target's other rows waiting after a failure become due now, in the same transaction, instead
   * of each waiting out its own backoff (up to the longest, ten minutes by default).
   */
  markDelivered(row: LeasedRow, result: unknown): boolean {
    return this.finish(row, 'delivered', () => {
      const now = this.nowMs();
      const raw = this.stmts.delivered.get(JSON.stringify(result ?? null), this.isoNow(), row.id, row.leaseToken);
      if (raw !== undefined && row.attempts > 1) this.stmts.dueNowForTarget.run(now, row.target, now);
      return raw;
    });
  }

  markRejected(row: LeasedRow, error: string, result: unknown = null): boolean {
    return this.finish(row, 'rejected', () =>
      this.stmts.rejected.get(truncate(error), JSON.stringify(result ?? null), this.isoNow(), row.id, row.leaseToken),
    );
  }

  markRetry(row: LeasedRow, error: string, delayMs: number): boolean {
    const updated = this.stmts.retry.get(
      this.nowMs() + delayMs,
      truncate(error),
      this.isoNow(),
      row.id,
      row.leaseToken,
    );
    return updated !== undefined;
  }

  get(id: number): OutboxRow | undefined {
    const raw = this.stmts.byId.get(id) as RawRow | undefined;
    return raw && fromRaw(raw);
  }

  listForPayment(paymentId: string): OutboxRow[] {
    return (this.stmts.byPayment.all(paymentId) as RawRow[]).map(fromRaw);
  }

  /**
   * Staff void, before the terminal is asked: the payment's queued rows are held so the worker
   * cannot send them while the card payment is being reversed. Run inside the journal's transaction.
   */
  holdForPayment(paymentId: string): number {
    return this.stmts.hold.run(this.isoNow(), paymentId).changes;
  }

  /** The reversal succeeded: the held rows are never sent. Run inside the journal's transaction. */
  cancelHeld(paymentId: string, reason: string): number {
    return this.stmts.cancelHeld.run(truncate(reason), this.isoNow(), paymentId).changes;
  }

  /** Staff say "try again now": queued, rejected and held rows of the payment become due at once. */
  retryNow(paymentId: string): number {
    return this.stmts.retryNow.run(this.nowMs(), this.isoNow(), paymentId).changes;
  }

  counts(): Record<DeliveryState, number> {
    const counts: Record<DeliveryState, number> = {
      pending: 0,
      sending: 0,
      delivered: 0,
      rejected: 0,
      held: 0,
      cancelled: 0,
    };
    for (const { state, n } of this.stmts.counts.all() as { state: DeliveryState; n: number }[]) {
      counts[state] = n;
    }
    return counts;
  }

  /** When the next row becomes due (epoch ms), or null if nothing is waiting. */
  nextDueAt(): number | null {
    const pending = (this.stmts.nextPending.get() as { at: number | null }).at;
    const expiry = (this.stmts.nextLeaseExpiry.get() as { at: number | null }).at;
    if (pending === null) return expiry;
    return expiry === null ? pending : Math.min(pending, expiry);
  }

  private finish(row: LeasedRow, outcome: FinalOutcome, update: () => unknown): boolean {
    return this.db
      .transaction(() => {
        const raw = update() as RawRow | undefined;
        if (raw === undefined) return false;
        this.onFinal(fromRaw(raw), outcome);
        return true;
      })
      .immediate();
  }

  private isoNow(): string {
    return new Date(this.nowMs()).toISOString();
  }
}

function truncate(text: string): string {
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}
