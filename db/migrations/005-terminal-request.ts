import type { Migration } from './migration.js';

/**
 * The terminal request behind a payment (nexo ServiceID), written before the request is sent so a
 * restarted kiosk can ask the terminal what became of it; and the card data for the receipt
 * (scheme and last four digits only).
 */
export const m005TerminalRequest: Migration = {
  version: 5,
  name: 'terminal request reference and receipt card data',
  sql: `ALTER TABLE payments ADD COLUMN terminal_request_ref TEXT;
        ALTER TABLE payments ADD COLUMN card_scheme TEXT;
        ALTER TABLE payments ADD COLUMN card_last4 TEXT CHECK (card_last4 IS NULL OR card_last4 GLOB '[0-9][0-9][0-9][0-9]');`,
};
