import type { Migration } from './migration.js';

/**
 * Refunds after registration: the borrower's money goes back (card terminal or MobilePay) for a
 * payment whose registrations FBS or the debtor system already hold, where a void is no longer
 * possible. The kiosk cannot take a registration back (neither FBS's API nor DebitorIndbetaling
 * offers it), so a refund stays on the day's report until staff confirm that they reopened the
 * claims in FBS or the debtor system (`reinstated_*`).
 *
 * One row per payment, and only the whole payment: `payment_id` is unique, so two staff members
 * can never send two refunds for it. A refused or unanswered refund is asked again on the same
 * row (`requested` → `refunded` | `refused` | `unknown`, and from the last two back to
 * `requested`); the row's id is the refund's idempotency key at the provider where it has one.
 */
export const m015Refunds: Migration = {
  version: 15,
  name: 'refunds',
  sql: `
    CREATE TABLE refunds (
      id TEXT PRIMARY KEY,
      payment_id TEXT NOT NULL UNIQUE REFERENCES payments(id),
      amount_ore INTEGER NOT NULL CHECK (typeof(amount_ore) = 'integer' AND amount_ore > 0),
      state TEXT NOT NULL CHECK (state IN ('requested', 'refunded', 'refused', 'unknown')),
      reason TEXT NOT NULL,
      requested_by TEXT NOT NULL,
      requested_at TEXT NOT NULL,
      refunded_at TEXT,
      detail TEXT,
      reinstated_by TEXT,
      reinstated_at TEXT,
      reinstated_note TEXT,
      updated_at TEXT NOT NULL,
      CHECK ((state = 'refunded') = (refunded_at IS NOT NULL)),
      CHECK (reinstated_at IS NULL OR state = 'refunded')
    ) STRICT;
    CREATE INDEX refunds_requested ON refunds (requested_at);
  `,
};
