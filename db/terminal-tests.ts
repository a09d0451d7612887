import type { AuditEntry, AuditLog } from './audit.js';
import type { Db } from './open.js';

export type TerminalTestState = 'started' | 'approved' | 'declined' | 'reversed' | 'reversal-failed' | 'unknown';

export interface TerminalTest {
  readonly id: string;
  readonly actor: string;
  readonly amountOre: number;
  readonly requestRef: string;
  readonly state: TerminalTestState;
  readonly transactionRef: string | null;
  readonly detail: string | null;
  readonly createdAt: string;
}

interface Row {
  id: string;
  actor: string;
  amount_ore: number;
  request_ref: string;
  state: TerminalTestState;
  transaction_ref: string | null;
  detail: string | null;
  created_at: string;
}

const toTest = (r: Row): TerminalTest => ({
  id: r.id,
  actor: r.actor,
  amountOre: r.amount_ore,
  requestRef: r.request_ref,
  state: r.state,
  transactionRef: r.transaction_ref,
  detail: r.detail,
  createdAt: r.created_at,
});

/** Read-only: what the day's reconciliation needs. */
export interface TerminalTestReads {
  createdBetween(fromIso: string, toIso: string): TerminalTest[];
}

/**
 * The terminal_tests table (migration 011): each change one transaction with its audit entry.
 * A test is recorded before the terminal is asked; its end state says whether money stayed on
 * the card (approved but not reversed).
 */
export class TerminalTestStore implements TerminalTestReads {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO terminal_tests (id, actor, amount_ore, request_ref, state, created_at, updated_at)
         VALUES (@id, @actor, @amountOre, @requestRef, 'started', @at, @at)`,
      ),
      settle: db.prepare(
        `UPDATE terminal_tests SET state = @state, transaction_ref = COALESCE(@transactionRef, transaction_ref),
                detail = @detail, updated_at = @at WHERE id = @id`,
      ),
      between: db.prepare('SELECT * FROM terminal_tests WHERE created_at >= ? AND created_at < ? ORDER BY created_at'),
      interrupted: db.prepare(`SELECT * FROM terminal_tests WHERE state IN ('started', 'approved')`),
    };
  }

  start(test: { id: string; actor: string; amountOre: number; requestRef: string }, audit: AuditEntry): void {
    this.db.transaction(() => {
      this.stmts.insert.run({ ...test, at: this.now().toISOString() });
      this.audit.append(audit);
    })();
  }

  settle(
    id: string,
    state: Exclude<TerminalTestState, 'started'>,
    outcome: { transactionRef?: string; detail: string },
    audit: AuditEntry,
  ): void {
    this.db.transaction(() => {
      this.stmts.settle.run({
        id,
        state,
        transactionRef: outcome.transactionRef ?? null,
        detail: outcome.detail.slice(0, 2000),
        at: this.now().toISOString(),
      });
      this.audit.append(audit);
    })();
  }

  createdBetween(fromIso: string, toIso: string): TerminalTest[] {
    return (this.stmts.between.all(fromIso, toIso) as Row[]).map(toTest);
  }

  /**
   * At start: tests a crash or stop cut short (asked, or approved and not yet reversed) are
   * `unknown`: the card may have been charged, and only the terminal can say. Returns them.
   */
  markInterrupted(): TerminalTest[] {
    const cut = (this.stmts.interrupted.all() as Row[]).map(toTest);
    for (const test of cut)
      this.settle(
        test.id,
        'unknown',
        { detail: 'the kiosk stopped during the test: check the terminal and reverse it there if it was charged' },
        { actor: 'kiosk', action: 'terminal.test-interrupted', subject: test.id, data: { was: test.state } },
      );
    return cut;
  }
}
