import type { Migration } from './migration.js';

/**
 * A delivery can be `held`: a member of staff is voiding its payment at the terminal, so the
 * worker must not send it, and after a successful reversal it is never sent. SQLite cannot alter
 * a CHECK constraint, so the table is rebuilt (same columns, same indexes). Also: payments by day.
 */
export const m007OutboxHeld: Migration = {
  version: 7,
  name: 'outbox held state',
  sql: `
    CREATE TABLE outbox_new (
      id INTEGER PRIMARY KEY,
      target TEXT NOT NULL,
      payment_id TEXT REFERENCES payments(id),
      idempotency_key TEXT NOT NULL UNIQUE,
      payload_json TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending','sending','delivered','rejected','held','cancelled')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      lease_token TEXT,
      lease_until INTEGER,
      last_error TEXT,
      result_json TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
    INSERT INTO outbox_new SELECT * FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_new RENAME TO outbox;
    CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
    CREATE INDEX outbox_by_payment ON outbox(payment_id);
    CREATE INDEX outbox_leases ON outbox(state, lease_until);
    -- The day's payments, for the staff queue and the reconciliation.
    CREATE INDEX payments_by_created ON payments(created_at);
  `,
};
