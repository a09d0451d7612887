import type { Db } from './open.js';

/** Payments by how they were paid and how they ended, counted since the journal began. */
export interface PaymentCount {
  readonly method: string;
  /**
   * charged: money was taken (counted once, whatever came later); declined; voided and refunded:
   * given back (a charged payment is counted again here when that happens).
   */
  readonly outcome: 'charged' | 'declined' | 'voided' | 'refunded';
  readonly count: number;
  readonly ore: number;
}

export interface OutboxTargetState {
  readonly target: string;
  readonly state: string;
  readonly rows: number;
  /** Delivery attempts made for these rows. */
  readonly attempts: number;
  /** The oldest waiting row's creation (ms since the epoch), for pending/held rows. */
  readonly oldestCreatedMs: number | null;
  /** The latest delivery (ms since the epoch), for delivered rows. */
  readonly lastUpdatedMs: number | null;
}

/**
 * What the operations listener's metrics read of the journal (app/ops-metrics.ts): aggregates
 * only — never a borrower, a card or an amount of one payment. Read-only and cheap: each query is
 * one pass over an indexed table, run when Prometheus scrapes.
 */
export class OpsReads {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      payments: db.prepare(
        `SELECT method, 'charged' AS outcome, COUNT(*) AS count, COALESCE(SUM(amount_ore), 0) AS ore
           FROM payments WHERE terminal_transaction_ref IS NOT NULL GROUP BY method
         UNION ALL
         SELECT method, 'declined', COUNT(*), COALESCE(SUM(amount_ore), 0)
           FROM payments WHERE state = 'declined' GROUP BY method
         UNION ALL
         SELECT method, 'voided', COUNT(*), COALESCE(SUM(amount_ore), 0)
           FROM payments WHERE state = 'voided' GROUP BY method
         UNION ALL
         SELECT p.method, 'refunded', COUNT(*), COALESCE(SUM(r.amount_ore), 0)
           FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE r.state = 'refunded' GROUP BY p.method`,
      ),
      inDoubt: db.prepare(`SELECT COUNT(*) AS n FROM payments WHERE state IN ('authorizing', 'unknown')`),
      needsAttention: db.prepare(`SELECT COUNT(*) AS n FROM payments WHERE state = 'needs_attention'`),
      outbox: db.prepare(
        `SELECT target, state, COUNT(*) AS rows, COALESCE(SUM(attempts), 0) AS attempts,
                MIN(CASE WHEN state IN ('pending', 'sending', 'held') THEN created_at END) AS oldest,
                MAX(CASE WHEN state = 'delivered' THEN updated_at END) AS last
           FROM outbox GROUP BY target, state`,
      ),
    };
  }

  payments(): PaymentCount[] {
    return this.stmts.payments.all() as PaymentCount[];
  }

  /** Payments whose outcome the terminal or MobilePay has not told yet. */
  inDoubt(): number {
    return (this.stmts.inDoubt.get() as { n: number }).n;
  }

  needsAttention(): number {
    return (this.stmts.needsAttention.get() as { n: number }).n;
  }

  outbox(): OutboxTargetState[] {
    const rows = this.stmts.outbox.all() as {
      target: string;
      state: string;
      rows: number;
      attempts: number;
      oldest: string | null;
      last: string | null;
    }[];
    return rows.map((r) => ({
      target: r.target,
      state: r.state,
      rows: r.rows,
      attempts: r.attempts,
      oldestCreatedMs: r.oldest ? Date.parse(r.oldest) : null,
      lastUpdatedMs: r.last ? Date.parse(r.last) : null,
    }));
  }
}
