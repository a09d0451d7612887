import { createHash } from 'node:crypto';
import type { Db } from './open.js';

/**
 * Append-only audit trail of every money event and every staff action.
 * Each row's hash covers its content and the previous row's hash, so changing, removing or
 * inserting a row anywhere breaks the chain from that point on (verifyAuditChain finds it).
 */
export interface AuditEntry {
  /** Who did it: `kiosk`, `system`, `staff:<id>`, `technician:<id>`. */
  readonly actor: string;
  /** What happened, dotted: `payment.approved`, `outbox.rejected`, `staff.void`. */
  readonly action: string;
  /** What it happened to, e.g. a payment id. */
  readonly subject?: string | null;
  /** Details; must not contain PINs, CPR or card numbers (callers pass ids, not people). */
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface AuditRow {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string | null;
  readonly data_json: string;
  readonly prev_hash: string;
  readonly hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export function auditHash(prevHash: string, row: Omit<AuditRow, 'prev_hash' | 'hash'>): string {
  const content = JSON.stringify([row.seq, row.at, row.actor, row.action, row.subject, row.data_json]);
  return createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');
}

export class AuditLog {
  private readonly lastStmt;
  private readonly insertStmt;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.lastStmt = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.insertStmt = db.prepare(
      `INSERT INTO audit_log (seq, at, actor, action, subject, data_json, prev_hash, hash)
       VALUES (@seq, @at, @actor, @action, @subject, @data_json, @prev_hash, @hash)`,
    );
  }

  /** Appends one entry. Call it inside the transaction of the change it records. */
  append(entry: AuditEntry): AuditRow {
    return this.db.transaction(() => {
      const last = this.lastStmt.get() as { seq: number; hash: string } | undefined;
      const base = {
        seq: (last?.seq ?? 0) + 1,
        at: this.now().toISOString(),
        actor: entry.actor,
        action: entry.action,
        subject: entry.subject ?? null,
        data_json: JSON.stringify(entry.data ?? {}),
      };
      const prev_hash = last?.hash ?? GENESIS_HASH;
      const row: AuditRow = { ...base, prev_hash, hash: auditHash(prev_hash, base) };
      this.insertStmt.run(row);
      return row;
    })();
  }
}

export type AuditVerdict =
  | { readonly ok: true; readonly rows: number }
  | { readonly ok: false; readonly rows: number; readonly brokenAtSeq: number; readonly problem: string };

/** Walks the whole chain; reports the first row where it breaks. */
export function verifyAuditChain(db: Db): AuditVerdict {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let rows = 0;
  for (const row of db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as Iterable<AuditRow>) {
    rows++;
    if (row.seq !== expectedSeq) {
      return { ok: false, rows, brokenAtSeq: row.seq, problem: `expected seq ${expectedSeq}` };
    }
    if (row.prev_hash !== prevHash) {
      return { ok: false, rows, brokenAtSeq: row.seq, problem: 'prev_hash does not match the row before' };
    }
    if (auditHash(row.prev_hash, row) !== row.hash) {
      return { ok: false, rows, brokenAtSeq: row.seq, problem: 'row content does not match its hash' };
    }
    prevHash = row.hash;
    expectedSeq++;
  }
  return { ok: true, rows };
}
