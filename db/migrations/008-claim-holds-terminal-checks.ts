import type { Migration } from './migration.js';

/**
 * Two things the kiosk learned it must know for itself:
 * - which fees it has already taken money for (the journal is the source of truth for that, not
 *   FBS, which hears of a payment late): an index to find a fee's payments at once;
 * - what the terminal itself says about each payment request, checked after the payment could no
 *   longer be in flight: the day's card total is reconciled against the terminal's own record.
 */
export const m008ClaimHoldsTerminalChecks: Migration = {
  version: 8,
  name: 'fee index and terminal checks',
  sql: `
    CREATE INDEX payment_lines_by_fee ON payment_lines(fee_id);

    CREATE TABLE terminal_checks (
      payment_id TEXT PRIMARY KEY REFERENCES payments(id),
      -- captured: the terminal took the money; not-captured: it says the payment failed;
      -- not-found: it never received the request.
      outcome TEXT NOT NULL CHECK (outcome IN ('captured','not-captured','not-found')),
      captured_ore INTEGER NOT NULL CHECK (typeof(captured_ore) = 'integer' AND captured_ore >= 0),
      transaction_ref TEXT,
      checked_at TEXT NOT NULL
    ) STRICT;
  `,
};
