import { join } from 'node:path';
import { AuditLog } from '../../db/audit.js';
import { PaymentJournal } from '../../db/journal.js';
import { openDatabase, type Db } from '../../db/open.js';
import { OutboxStore } from '../../db/outbox.js';
import { tempDir } from './fixtures.js';

export interface Stores {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly outbox: OutboxStore;
  readonly journal: PaymentJournal;
  readonly path: string;
  close(): void;
}

/** A real database file (WAL, FULL) in a temp folder, with the stores wired as the core wires them. */
export function openStores(nowMs: () => number = Date.now): Stores {
  const dir = tempDir();
  const path = join(dir.path, 'kiosk.sqlite');
  const db = openDatabase(path);
  const audit = new AuditLog(db, () => new Date(nowMs()));
  const outbox = new OutboxStore(db, nowMs);
  const journal = new PaymentJournal(db, outbox, audit, () => new Date(nowMs()));
  return {
    db,
    audit,
    outbox,
    journal,
    path,
    close() {
      if (db.open) db.close();
      dir.remove();
    },
  };
}
