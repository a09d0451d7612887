import { randomUUID } from 'node:crypto';
import { messageOf } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { StaffActionRefusedError } from '../db/journal.js';
import type { TerminalClosing, TerminalClosingStore } from '../db/terminal-closings.js';
import type { PaymentTerminal } from '../ports/payment-terminal.js';
import type { StaffRefusalCode } from '../contract/index.js';

export interface TerminalClosingParts {
  readonly store: TerminalClosingStore;
  readonly terminal: PaymentTerminal;
  /** The kiosk's own card total of the day now: approved minus voided. */
  readonly kioskCard: () => { count: number; ore: number };
  /** Why the terminal cannot be closed now (a borrower's session, a payment); null when it can. */
  readonly blockedBy: () => { message: string; code: StaffRefusalCode } | null;
  readonly log: Logger;
  /** How often waiting requests from the command line are looked for. */
  readonly pollMs: number;
}

/**
 * Closes the terminal's day, for staff on the screen and for `kiosk terminal reconcile`: one at
 * a time, only between borrowers, each request a row (db/terminal-closings.ts) that ends `done`
 * with the terminal's printout and the kiosk's card total beside it, or `failed` with why.
 * The command line writes a request and waits; this running kiosk — the only one talking to the
 * terminal — picks it up.
 */
export class TerminalClosings {
  private running: Promise<unknown> = Promise.resolve();
  private busy = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly noted = new Map<string, string>();

  constructor(private readonly parts: TerminalClosingParts) {}

  /** Whether this terminal has a day to close here (Nets); Adyen settles by itself. */
  get supported(): boolean {
    return typeof this.parts.terminal.reconcile === 'function';
  }

  /** Staff on the screen: asked and run at once; refused (StaffActionRefusedError) when it cannot run now. */
  async closeNow(actor: string): Promise<TerminalClosing> {
    const blocked = this.parts.blockedBy();
    if (blocked) throw new StaffActionRefusedError(blocked.message, blocked.code);
    if (this.busy) throw new StaffActionRefusedError('the terminal is already closing its day', 'closing-running');
    const id = randomUUID();
    this.parts.store.request({ id, actor });
    return this.serial(() => this.run(id, actor));
  }

  /** Looks for requests from the command line every `pollMs`. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.pickUp(), this.parts.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One waiting request, if the terminal is free; returns what became of it (tests call it). */
  async pickUp(): Promise<TerminalClosing | null> {
    if (this.busy) return null;
    const blocked = this.parts.blockedBy();
    if (blocked) {
      this.noteWaiting(blocked.message);
      return null;
    }
    return this.serial(async () => {
      const claimed = this.parts.store.claim();
      if (!claimed) return null;
      return this.run(claimed.id, claimed.requestedBy, claimed);
    });
  }

  private async run(id: string, actor: string, claimed?: TerminalClosing): Promise<TerminalClosing> {
    const { store, terminal, log } = this.parts;
    if (!claimed && !store.claim(id)) return store.get(id)!;
    this.noted.delete(id);
    if (!terminal.reconcile) {
      store.failed(id, 'this terminal closes its day by itself (Adyen): nothing to close here', {
        actor,
        action: 'terminal.close-failed',
        subject: id,
        data: { reason: 'not-supported' },
      });
      return store.get(id)!;
    }
    try {
      const result = await terminal.reconcile();
      const kioskCard = this.parts.kioskCard();
      store.done(id, { closedAt: result.at, session: result.session, lines: result.lines }, kioskCard, {
        actor,
        action: 'terminal.reconciled',
        subject: id,
        data: { at: result.at, session: result.session, kioskCardOre: kioskCard.ore, kioskCardCount: kioskCard.count },
      });
      log.info({ closingId: id, session: result.session, kioskCard }, 'terminal day closed');
    } catch (error) {
      const detail = messageOf(error);
      store.failed(id, detail, { actor, action: 'terminal.close-failed', subject: id, data: { detail } });
      log.warn({ closingId: id, error: detail }, 'closing the terminal’s day failed');
    }
    return store.get(id)!;
  }

  /** Tells a waiting request why it waits, once per reason (not a write every poll). */
  private noteWaiting(reason: string): void {
    for (const closing of this.waiting()) {
      if (this.noted.get(closing.id) === reason) continue;
      this.noted.set(closing.id, reason);
      this.parts.store.note(closing.id, `waiting: ${reason}`);
    }
  }

  private waiting(): TerminalClosing[] {
    const now = Date.now();
    return this.parts.store
      .requestedBetween(new Date(now - 24 * 3_600_000).toISOString(), new Date(now + 60_000).toISOString())
      .filter((c) => c.state === 'requested');
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    this.busy = true;
    const next = this.running.then(task).finally(() => {
      this.busy = false;
    });
    this.running = next.catch(() => undefined);
    return next;
  }
}
