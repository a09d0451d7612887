import { randomBytes } from 'node:crypto';
import type { Db } from './open.js';

export type KioskKeyName = 'staff-card' | 'person-reference';

/**
 * The kiosk's own random keys (32 bytes each), made on first use and kept in the journal, so a
 * restart keeps them and a restored backup brings them along. They never leave the kiosk: not
 * in logs, not in the support bundle.
 */
export class KioskKeys {
  private readonly stmts;

  constructor(
    db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.stmts = {
      insert: db.prepare('INSERT OR IGNORE INTO kiosk_keys (name, key, created_at) VALUES (?, ?, ?)'),
      get: db.prepare('SELECT key FROM kiosk_keys WHERE name = ?'),
    };
  }

  key(name: KioskKeyName): Buffer {
    this.stmts.insert.run(name, randomBytes(32), this.now().toISOString());
    return (this.stmts.get.get(name) as { key: Buffer }).key;
  }
}
