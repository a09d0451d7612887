import type { Db } from './open.js';

/**
 * What the terminal itself says about one of the kiosk's payment requests, asked once the request
 * could no longer be in flight: captured (it took the money), not-captured (the payment failed),
 * or not-found (it never received the request). The day's card total is reconciled against these.
 */
export interface TerminalCheck {
  readonly paymentId: string;
  readonly outcome: 'captured' | 'not-captured' | 'not-found';
  /** What the terminal took (0 unless captured). */
  readonly capturedOre: number;
  readonly transactionRef: string | null;
  readonly checkedAt: string;
}

/** A payment whose terminal request should now be checked. */
export interface DueCheck {
  readonly paymentId: string;
  readonly requestRef: string;
}

/** Payments where the terminal and the journal disagree about whether money was taken. */
interface CheckRow {
  payment_id: string;
  outcome: TerminalCheck['outcome'];
  captured_ore: number;
  transaction_ref: string | null;
  checked_at: string;
}

/** The terminal_checks table (migration 008). Writes go through the journal, in its transactions. */
export class TerminalCheckStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      upsert: db.prepare(
        `INSERT INTO terminal_checks (payment_id, outcome, captured_ore, transaction_ref, checked_at)
         VALUES (@paymentId, @outcome, @capturedOre, @transactionRef, @checkedAt)
         ON CONFLICT (payment_id) DO UPDATE SET outcome = excluded.outcome, captured_ore = excluded.captured_ore,
            transaction_ref = excluded.transaction_ref, checked_at = excluded.checked_at`,
      ),
      get: db.prepare('SELECT * FROM terminal_checks WHERE payment_id = ?'),
      // Sent at least `window` ago (authorizing is written right before sending), resolved by the
      // kiosk (not in doubt), within the 48 h a terminal remembers its requests; never checked, or
      // "not found" last time while still young enough to arrive late (asked again each round).
      due: db.prepare(
        `SELECT p.id AS payment_id, p.terminal_request_ref AS request_ref
           FROM payments p LEFT JOIN terminal_checks c ON c.payment_id = p.id
          WHERE p.terminal_request_ref IS NOT NULL
            AND p.state NOT IN ('created','authorizing','unknown')
            AND p.created_at >= @since
            AND (c.payment_id IS NULL
                 OR (c.outcome = 'not-found' AND p.created_at >= @recheckSince AND c.checked_at <= @checkedBefore))
            AND ((SELECT MIN(t.at) FROM payment_transitions t
                   WHERE t.payment_id = p.id AND t.to_state = 'authorizing') <= @sentBefore
                 -- Sent "in the future": the clock has been set back since, so how long ago is
                 -- unknown. Asked now: a capture is final, "not found" is asked again later.
                 OR (SELECT MIN(t.at) FROM payment_transitions t
                   WHERE t.payment_id = p.id AND t.to_state = 'authorizing') > @now)
          ORDER BY c.payment_id IS NOT NULL, p.created_at, p.id
          LIMIT @limit`,
      ),
    };
  }

  /** Records the terminal's answer (a later answer replaces an earlier "not found"). */
  record(check: TerminalCheck): void {
    this.stmts.upsert.run(check);
  }

  get(paymentId: string): TerminalCheck | null {
    const row = this.stmts.get.get(paymentId) as CheckRow | undefined;
    return row ? fromRow(row) : null;
  }

  due(options: {
    /** Sent before this: no longer in flight. */
    readonly sentBefore: string;
    /** The kiosk's clock now (a send time later than this means the clock went back). */
    readonly now: string;
    /** Made after this: the terminal still remembers it. */
    readonly since: string;
    /** "Not found" answers for payments made after this are asked again… */
    readonly recheckSince: string;
    /** …when they were given before this. */
    readonly checkedBefore: string;
    readonly limit: number;
  }): DueCheck[] {
    return (this.stmts.due.all(options) as { payment_id: string; request_ref: string }[]).map((r) => ({
      paymentId: r.payment_id,
      requestRef: r.request_ref,
    }));
  }
}

function fromRow(row: CheckRow): TerminalCheck {
  return {
    paymentId: row.payment_id,
    outcome: row.outcome,
    capturedOre: row.captured_ore,
    transactionRef: row.transaction_ref,
    checkedAt: row.checked_at,
  };
}
