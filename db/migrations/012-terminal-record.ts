import type { Migration } from './migration.js';

/**
 * What the terminal said about an approved payment beyond its reference: its own time stamp for
 * the transaction (a reversal names the original by reference and that time) and the cardholder's
 * receipt it returned (card schemes' text the cardholder must be offered; card number masked).
 * Payments approved before this have neither: a reversal then names the approval's time in the
 * journal, and the receipt has no card part.
 */
export const m012TerminalRecord: Migration = {
  version: 12,
  name: 'terminal record',
  sql: `
    ALTER TABLE payments ADD COLUMN terminal_transaction_time TEXT;
    ALTER TABLE payments ADD COLUMN cardholder_receipt_json TEXT;
  `,
};
