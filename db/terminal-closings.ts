import type { AuditEntry, AuditLog } from './audit.js';
import type { Db } from './open.js';

export type TerminalClosingState = 'requested' | 'running' | 'done' | 'failed' | 'withdrawn';

export interface TerminalClosing {
  readonly id: string;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly state: TerminalClosingState;
  /** When the terminal closed its day (its own time, ISO); null until done. */
  readonly closedAt: string | null;
  /** The terminal's session (batch) number, when it gives one. */
  readonly session: string | null;
  /** The terminal's printout, line by line (its totals are in it). */
  readonly lines: readonly string[];
  /** The kiosk's own card total for the day at that moment (approved minus voided). */
  readonly kioskCard: { readonly count: number; readonly ore: number } | null;
  /** Why it failed, or what the kiosk said while it waited. */
  readonly detail: string | null;
}

interface Row {
  id: string;
  requested_by: string;
  requested_at: string;
  state: TerminalClosingState;
  closed_at: string | null;
  session: string | null;
  lines_json: string | null;
  kiosk_card_count: number | null;
  kiosk_card_ore: number | null;
  detail: string | null;
}

const toClosing = (r: Row): TerminalClosing => ({
  id: r.id,
  requestedBy: r.requested_by,
  requestedAt: r.requested_at,
  state: r.state,
  closedAt: r.closed_at,
  session: r.session,
  lines: r.lines_json ? (JSON.parse(r.lines_json) as string[]) : [],
  kioskCard: r.kiosk_card_count === null ? null : { count: r.kiosk_card_count, ore: r.kiosk_card_ore ?? 0 },
  detail: r.detail,
});

/** Read-only: what the day's report and the command line's wait need. */
export interface TerminalClosingReads {
  get(id: string): TerminalClosing | null;
  requestedBetween(fromIso: string, toIso: string): TerminalClosing[];
}

/**
 * The terminal_closings table (migration 013). A request is written by whoever asks (the staff
 * screen, or `kiosk terminal reconcile` in its own process); only the running kiosk moves it on,
 * claiming it atomically so that two askers never close the day twice at once. Each change is
 * one transaction with its audit entry.
 */
export class TerminalClosingStore implements TerminalClosingReads {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO terminal_closings (id, requested_by, requested_at, state, updated_at)
         VALUES (@id, @actor, @at, 'requested', @at)`,
      ),
      claim: db.prepare(
        `UPDATE terminal_closings SET state = 'running', updated_at = @at
         WHERE id = (SELECT id FROM terminal_closings WHERE state = 'requested'
                     AND (@id IS NULL OR id = @id) ORDER BY requested_at LIMIT 1)
         RETURNING *`,
      ),
      done: db.prepare(
        `UPDATE terminal_closings SET state = 'done', closed_at = @closedAt, session = @session,
                lines_json = @lines, kiosk_card_count = @count, kiosk_card_ore = @ore, detail = NULL, updated_at = @at
         WHERE id = @id AND state = 'running'`,
      ),
      failed: db.prepare(
        `UPDATE terminal_closings SET state = 'failed', detail = @detail, updated_at = @at
         WHERE id = @id AND state IN ('requested', 'running')`,
      ),
      withdraw: db.prepare(
        `UPDATE terminal_closings SET state = 'withdrawn', detail = @detail, updated_at = @at
         WHERE id = @id AND state = 'requested'`,
      ),
      note: db.prepare(`UPDATE terminal_closings SET detail = @detail WHERE id = @id AND state = 'requested'`),
      get: db.prepare('SELECT * FROM terminal_closings WHERE id = ?'),
      between: db.prepare(
        'SELECT * FROM terminal_closings WHERE requested_at >= ? AND requested_at < ? ORDER BY requested_at',
      ),
      running: db.prepare(`SELECT * FROM terminal_closings WHERE state = 'running'`),
    };
  }

  request(request: { id: string; actor: string }): void {
    this.db.transaction(() => {
      this.stmts.insert.run({ ...request, at: this.now().toISOString() });
      this.audit.append({ actor: request.actor, action: 'terminal.close-requested', subject: request.id, data: {} });
    })();
  }

  /** The oldest waiting request (or this one), now `running`; null when there is none. */
  claim(id: string | null = null): TerminalClosing | null {
    const row = this.stmts.claim.get({ id, at: this.now().toISOString() }) as Row | undefined;
    return row ? toClosing(row) : null;
  }

  done(
    id: string,
    result: { closedAt: string; session: string | null; lines: readonly string[] },
    kioskCard: { count: number; ore: number },
    audit: AuditEntry,
  ): void {
    this.db.transaction(() => {
      this.stmts.done.run({
        id,
        closedAt: result.closedAt,
        session: result.session,
        lines: JSON.stringify(result.lines),
        count: kioskCard.count,
        ore: kioskCard.ore,
        at: this.now().toISOString(),
      });
      this.audit.append(audit);
    })();
  }

  failed(id: string, detail: string, audit: AuditEntry): void {
    this.db.transaction(() => {
      this.stmts.failed.run({ id, detail: detail.slice(0, 2000), at: this.now().toISOString() });
      this.audit.append(audit);
    })();
  }

  /** Takes back a request no kiosk has claimed; false when one already has (it runs to its end). */
  withdraw(id: string, detail: string): boolean {
    return this.stmts.withdraw.run({ id, detail, at: this.now().toISOString() }).changes === 1;
  }

  /** What the kiosk says to a request it cannot take yet (e.g. a borrower is paying). */
  note(id: string, detail: string): void {
    this.stmts.note.run({ id, detail });
  }

  get(id: string): TerminalClosing | null {
    const row = this.stmts.get.get(id) as Row | undefined;
    return row ? toClosing(row) : null;
  }

  requestedBetween(fromIso: string, toIso: string): TerminalClosing[] {
    return (this.stmts.between.all(fromIso, toIso) as Row[]).map(toClosing);
  }

  /**
   * At start: a closing a crash or stop cut short. The terminal may have closed its day; its
   * printout is lost here. Marked failed with what to do; returns them.
   */
  markInterrupted(): TerminalClosing[] {
    const cut = (this.stmts.running.all() as Row[]).map(toClosing);
    for (const closing of cut)
      this.failed(
        closing.id,
        'the kiosk stopped while the terminal closed its day: the terminal may have closed it; see its own report',
        { actor: 'kiosk', action: 'terminal.close-interrupted', subject: closing.id, data: {} },
      );
    return cut;
  }
}
