import type { Migration } from './migration.js';

/**
 * Staff and technician accounts. PINs are stored only as scrypt hashes; a staff card only as a
 * SHA-256 of its number (it identifies the account, nothing more). Failed attempts and the
 * lock-out live here so a restart does not reset them.
 */
export const m006StaffAccounts: Migration = {
  version: 6,
  name: 'staff accounts',
  sql: `
    CREATE TABLE staff_accounts (
      id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 40),
      name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      role TEXT NOT NULL CHECK (role IN ('staff', 'technician')),
      pin_hash TEXT NOT NULL CHECK (pin_hash LIKE 'scrypt$%'),
      card_hash TEXT UNIQUE,
      failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
      locked_until TEXT,
      disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
  `,
};
