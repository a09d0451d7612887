import Database from 'better-sqlite3';
import { IN_DOUBT_STATES } from '../contract/index.js';
import type { Db } from './open.js';

/**
 * The journal for those who only look: the doctor, `kiosk report`, the support bundle. Opened
 * read-only by SQLite itself (as Signal Desktop keeps readers apart from its one writer), so a
 * look can never change a payment, and it never migrates: a journal newer or older than this
 * kiosk is reported, not touched. A running kiosk's own connection can be read the same way.
 */
export class JournalReader {
  private constructor(
    private readonly db: Db,
    private readonly owned: boolean,
  ) {}

  /** Opens the file read-only; throws if it is missing or is not a database. */
  static open(path: string): JournalReader {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return new JournalReader(db, true);
  }

  /** Reads through a connection someone else owns (the running kiosk's); close() leaves it open. */
  static over(db: Db): JournalReader {
    return new JournalReader(db, false);
  }

  /** The connection, for stores built over it by readers (their statements only read). */
  get connection(): Db {
    return this.db;
  }

  close(): void {
    if (this.owned) this.db.close();
  }

  /** SQLite's quick check: ['ok'] for an intact file, otherwise what is wrong. */
  quickCheck(): string[] {
    return (this.db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check);
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** What needs someone: registrations still queued, payments with staff, payments in doubt. */
  health(): { queued: number; needsStaff: number; inDoubt: number } {
    const inDoubt = IN_DOUBT_STATES.map(() => '?').join(',');
    return {
      queued: this.count(`SELECT COUNT(*) AS n FROM outbox WHERE state IN ('pending','sending','held')`),
      needsStaff: this.count(`SELECT COUNT(*) AS n FROM payments WHERE state = 'needs_attention'`),
      inDoubt: this.count(`SELECT COUNT(*) AS n FROM payments WHERE state IN (${inDoubt})`, ...IN_DOUBT_STATES),
    };
  }

  /**
   * Disagreements between the terminal's record and the journal that staff have not settled yet:
   * money the terminal took for a payment the journal calls declined, and money the journal counts
   * that the terminal says it never took.
   */
  terminalDisagreements(): { capturedNotRecorded: number; recordedNotCaptured: number } {
    return {
      capturedNotRecorded: this.count(
        `SELECT COUNT(*) AS n FROM terminal_checks c JOIN payments p ON p.id = c.payment_id
          WHERE c.outcome = 'captured' AND p.state IN ('declined','needs_attention')
            AND NOT EXISTS (SELECT 1 FROM payment_transitions t WHERE t.payment_id = p.id AND t.to_state = 'approved')`,
      ),
      recordedNotCaptured: this.count(
        `SELECT COUNT(*) AS n FROM terminal_checks c JOIN payments p ON p.id = c.payment_id
          WHERE c.outcome <> 'captured' AND p.state IN ('approved','settled','needs_attention')
            AND p.terminal_transaction_ref IS NOT NULL`,
      ),
    };
  }

  /** The newest audit entries, newest first, as stored. */
  auditTail(limit: number): unknown[] {
    return this.db
      .prepare('SELECT seq, at, actor, action, subject, data_json FROM audit_log ORDER BY seq DESC LIMIT ?')
      .all(limit);
  }

  private count(sql: string, ...params: unknown[]): number {
    return (this.db.prepare(sql).get(...params) as { n: number }).n;
  }
}
