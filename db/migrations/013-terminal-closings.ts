import type { Migration } from './migration.js';

/**
 * Closing the terminal's day (Nets: administration `reconciliation`), asked by staff on the
 * screen or by `kiosk terminal reconcile` over SSH. The command line never talks to the terminal
 * itself — the running kiosk does, between borrowers — so a request is a row the kiosk picks up
 * (`requested` → `running` → `done` | `failed`), or that the command withdraws when no kiosk took
 * it. The terminal's printout is kept beside the kiosk's own card totals at that moment, for the
 * day's report. No money moves here.
 */
export const m013TerminalClosings: Migration = {
  version: 13,
  name: 'terminal closings',
  sql: `
    CREATE TABLE terminal_closings (
      id TEXT PRIMARY KEY,
      requested_by TEXT NOT NULL,
      requested_at TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('requested', 'running', 'done', 'failed', 'withdrawn')),
      closed_at TEXT,
      session TEXT,
      lines_json TEXT,
      kiosk_card_count INTEGER,
      kiosk_card_ore INTEGER,
      detail TEXT,
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX terminal_closings_requested ON terminal_closings (requested_at);
  `,
};
