import type { Migration } from './migration.js';

/**
 * The kiosk's own random keys, made on first use: the key of the staff-card hashes and the key
 * of the references to borrowers in the audit log. Keyed hashes, because a plain hash of a card
 * or CPR number is reversed by trying them all.
 */
export const m010KioskKeys: Migration = {
  version: 10,
  name: 'kiosk keys',
  sql: `
    CREATE TABLE kiosk_keys (
      name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 40),
      key BLOB NOT NULL CHECK (length(key) = 32),
      created_at TEXT NOT NULL
    ) STRICT;
  `,
};
