import type { Migration } from './migration.js';

export const m001Journal: Migration = {
  version: 1,
  name: 'payment journal',
  sql: `
    CREATE TABLE payments (
      id TEXT PRIMARY KEY,
      state TEXT NOT NULL CHECK (state IN ('created','authorizing','approved','declined',
                                           'unknown','settled','needs_attention','voided')),
      channel TEXT NOT NULL CHECK (channel IN ('kiosk','staff')),
      patron_id TEXT NOT NULL,
      amount_ore INTEGER NOT NULL CHECK (typeof(amount_ore) = 'integer' AND amount_ore > 0),
      currency TEXT NOT NULL CHECK (currency = 'DKK'),
      terminal_transaction_ref TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE payment_lines (
      payment_id TEXT NOT NULL REFERENCES payments(id),
      line_no INTEGER NOT NULL,
      claim_id TEXT NOT NULL,
      fee_id TEXT NOT NULL,
      route TEXT NOT NULL CHECK (route IN ('fbs','debtor')),
      type TEXT NOT NULL,
      reason TEXT NOT NULL,
      materials_json TEXT NOT NULL,
      amount_ore INTEGER NOT NULL CHECK (amount_ore > 0),
      PRIMARY KEY (payment_id, line_no),
      UNIQUE (payment_id, claim_id)
    ) STRICT;

    CREATE TABLE payment_transitions (
      id INTEGER PRIMARY KEY,
      payment_id TEXT NOT NULL REFERENCES payments(id),
      from_state TEXT,
      to_state TEXT NOT NULL,
      reason TEXT,
      at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX payment_transitions_by_payment ON payment_transitions(payment_id);
    CREATE INDEX payments_by_state ON payments(state);
  `,
};
