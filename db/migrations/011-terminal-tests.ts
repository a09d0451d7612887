import type { Migration } from './migration.js';

/**
 * The technician's terminal tests: a real card payment, then its reversal. Recorded before the
 * terminal is asked, like a payment, so a test whose reversal failed (or that a crash cut short)
 * shows in the day's report. Never forwarded: a test pays no claim.
 */
export const m011TerminalTests: Migration = {
  version: 11,
  name: 'terminal tests',
  sql: `
    CREATE TABLE terminal_tests (
      id TEXT PRIMARY KEY,
      actor TEXT NOT NULL,
      amount_ore INTEGER NOT NULL CHECK (amount_ore > 0),
      request_ref TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('started', 'approved', 'declined', 'reversed', 'reversal-failed', 'unknown')),
      transaction_ref TEXT,
      detail TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX terminal_tests_created ON terminal_tests (created_at);
  `,
};
