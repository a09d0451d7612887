import type { AuditEntry, AuditLog } from './audit.js';
import type { Db } from './open.js';

export type StaffRole = 'staff' | 'technician';

export interface StaffAccount {
  readonly id: string;
  readonly name: string;
  readonly role: StaffRole;
  readonly pinHash: string;
  readonly failedAttempts: number;
  /** ISO time until which the account refuses every PIN, or null. */
  readonly lockedUntil: string | null;
  readonly disabled: boolean;
  /** A staff card is enrolled (only its keyed hash is stored). */
  readonly hasCard: boolean;
}

interface Row {
  id: string;
  name: string;
  role: StaffRole;
  pin_hash: string;
  failed_attempts: number;
  locked_until: string | null;
  disabled: number;
  card_hash: string | null;
}

const toAccount = (row: Row): StaffAccount => ({
  id: row.id,
  name: row.name,
  role: row.role,
  pinHash: row.pin_hash,
  failedAttempts: row.failed_attempts,
  lockedUntil: row.locked_until,
  disabled: row.disabled === 1,
  hasCard: row.card_hash !== null,
});

/**
 * The staff_accounts table. Every change is one transaction together with its audit entry;
 * the policy (hashing, when to lock) lives in core/staff-access.ts.
 */
export class StaffAccountStore {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.stmts = {
      byId: db.prepare('SELECT * FROM staff_accounts WHERE id = ?'),
      byCard: db.prepare('SELECT * FROM staff_accounts WHERE card_hash = ?'),
      list: db.prepare('SELECT * FROM staff_accounts ORDER BY role, id'),
      insert: db.prepare(
        `INSERT INTO staff_accounts (id, name, role, pin_hash, card_hash, created_at, updated_at)
         VALUES (@id, @name, @role, @pin_hash, @card_hash, @at, @at)`,
      ),
      setFailures: db.prepare(
        'UPDATE staff_accounts SET failed_attempts = ?, locked_until = ?, updated_at = ? WHERE id = ?',
      ),
      setPin: db.prepare(
        'UPDATE staff_accounts SET pin_hash = ?, failed_attempts = 0, locked_until = NULL, updated_at = ? WHERE id = ?',
      ),
      count: db.prepare('SELECT COUNT(*) AS n FROM staff_accounts'),
      remove: db.prepare('DELETE FROM staff_accounts WHERE id = ?'),
      clearCard: db.prepare('UPDATE staff_accounts SET card_hash = NULL, updated_at = ? WHERE id = ?'),
      setCard: db.prepare('UPDATE staff_accounts SET card_hash = ?, updated_at = ? WHERE id = ?'),
      setDisabled: db.prepare(
        'UPDATE staff_accounts SET disabled = ?, failed_attempts = 0, locked_until = NULL, updated_at = ? WHERE id = ?',
      ),
    };
  }

  get(id: string): StaffAccount | null {
    const row = this.stmts.byId.get(id) as Row | undefined;
    return row ? toAccount(row) : null;
  }

  byCardHash(cardHash: string): StaffAccount | null {
    const row = this.stmts.byCard.get(cardHash) as Row | undefined;
    return row ? toAccount(row) : null;
  }

  list(): StaffAccount[] {
    return (this.stmts.list.all() as Row[]).map(toAccount);
  }

  count(): number {
    return (this.stmts.count.get() as { n: number }).n;
  }

  create(
    account: { id: string; name: string; role: StaffRole; pinHash: string; cardHash: string | null },
    audit: AuditEntry,
  ): void {
    this.db.transaction(() => {
      this.stmts.insert.run({
        id: account.id,
        name: account.name,
        role: account.role,
        pin_hash: account.pinHash,
        card_hash: account.cardHash,
        at: this.now().toISOString(),
      });
      this.audit.append(audit);
    })();
  }

  /** Records the attempt count (and a lock-out, if any) with its audit entries, at once. */
  recordAttempt(id: string, failedAttempts: number, lockedUntil: string | null, audit: readonly AuditEntry[]): void {
    this.db.transaction(() => {
      this.stmts.setFailures.run(failedAttempts, lockedUntil, this.now().toISOString(), id);
      for (const entry of audit) this.audit.append(entry);
    })();
  }

  /**
   * Reads the account and records what `decide` makes of it, in one transaction: a PIN check
   * that finished while another was running (they take ~100 ms each, off the main thread) sees
   * the other's count and lock-out instead of overwriting them. Returns what `decide` returned.
   */
  settleAttempt<T>(
    id: string,
    decide: (current: StaffAccount) => {
      readonly failedAttempts: number;
      readonly lockedUntil: string | null;
      readonly audit: readonly AuditEntry[];
      readonly result: T;
    },
  ): T {
    return this.db.transaction(() => {
      const row = this.stmts.byId.get(id) as Row | undefined;
      if (!row) throw new Error(`no account ${id}`);
      const outcome = decide(toAccount(row));
      this.stmts.setFailures.run(outcome.failedAttempts, outcome.lockedUntil, this.now().toISOString(), id);
      for (const entry of outcome.audit) this.audit.append(entry);
      return outcome.result;
    })();
  }

  setPin(id: string, pinHash: string, audit: AuditEntry): void {
    this.db.transaction(() => {
      this.stmts.setPin.run(pinHash, this.now().toISOString(), id);
      this.audit.append(audit);
    })();
  }

  /** Removes an account, with its audit entry, at once. */
  remove(id: string, audit: AuditEntry): void {
    this.db.transaction(() => {
      this.stmts.remove.run(id);
      this.audit.append(audit);
    })();
  }

  /** Forgets an account's staff card (the account stays), with its audit entry. */
  clearCard(id: string, audit: AuditEntry): void {
    this.db.transaction(() => {
      this.stmts.clearCard.run(this.now().toISOString(), id);
      this.audit.append(audit);
    })();
  }

  /** Replaces an account's staff-card hash (a stronger hash of the same card), with its audit entry. */
  setCardHash(id: string, cardHash: string, audit: AuditEntry): void {
    this.db.transaction(() => {
      this.stmts.setCard.run(cardHash, this.now().toISOString(), id);
      this.audit.append(audit);
    })();
  }

  /** Disables (or enables again) an account, with its audit entry; enabling also lifts a lock-out. */
  setDisabled(id: string, disabled: boolean, audit: AuditEntry): void {
    this.db.transaction(() => {
      this.stmts.setDisabled.run(disabled ? 1 : 0, this.now().toISOString(), id);
      this.audit.append(audit);
    })();
  }

  /** An audit entry on its own (log-outs, refusals that change no account). */
  note(audit: AuditEntry): void {
    this.audit.append(audit);
  }
}
