import type { Migration } from './migration.js';

export const m002Outbox: Migration = {
  version: 2,
  name: 'outbox',
  sql: `
    CREATE TABLE outbox (
      id INTEGER PRIMARY KEY,
      target TEXT NOT NULL,
      payment_id TEXT REFERENCES payments(id),
      idempotency_key TEXT NOT NULL UNIQUE,
      payload_json TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending','sending','delivered','rejected')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      lease_token TEXT,
      lease_until INTEGER,
      last_error TEXT,
      result_json TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
    CREATE INDEX outbox_by_payment ON outbox(payment_id);
  `,
};
