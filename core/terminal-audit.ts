import type { Payment } from '../contract/index.js';
import type { PaymentJournal } from '../db/journal.js';
import type { OutboxSpec } from '../db/outbox.js';
import type { TerminalCheck } from '../db/terminal-checks.js';
import type { PaymentTerminal, TerminalStatus } from '../ports/payment-terminal.js';
import { planDeliveries } from './deliveries.js';
import type { Logger } from '../base/log.js';

/** A terminal keeps its requests for 48 hours; older ones cannot be checked. */
const TERMINAL_MEMORY_MS = 48 * 60 * 60 * 1000;
/**
 * "Not found" is asked again each round for this long after a payment: a request stalled far
 * beyond the configured transit time (a dead kiosk's socket is retried by the kernel for up to
 * ~15 minutes) that reaches the terminal after all is still found.
 */
const NOT_FOUND_RECHECK_MS = 60 * 60 * 1000;
/** Requests checked per round, so one round never keeps the terminal busy for long. */
const PER_ROUND = 50;

export interface TerminalAuditResult {
  readonly checked: number;
  /** Payments the terminal captured that the kiosk had recorded as declined: now with staff. */
  readonly flagged: readonly string[];
  /**
   * Payments the recovery had handed to staff because the terminal could not say in time, now
   * settled by the terminal's own final answer (approved and registered, or declined).
   */
  readonly resolved: readonly string[];
}

/**
 * Reconciles the journal against the terminal's own record: every payment request the kiosk
 * sent is asked about once more (TransactionStatus, by the request's reference) after it could
 * no longer be in flight, and the answer is kept (terminal_checks). A capture the journal calls
 * declined — a request that reached the terminal after the kiosk concluded it never would — goes
 * to staff at once with the terminal's reference; the day report lists every disagreement and
 * `kiosk doctor` fails while one is open. Runs after start-up recovery, after each payment's
 * window, and every `intervalMs`.
 */
export class TerminalAudit {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<TerminalAuditResult> | null = null;
  private stopped = false;

  constructor(
    private readonly parts: {
      readonly journal: PaymentJournal;
      readonly terminal: PaymentTerminal;
      readonly log: Logger;
      readonly intervalMs: number;
      readonly now: () => number;
      /** A payment went to staff (the outbox or the screen may want to know). */
      readonly onFlagged?: (payment: Payment) => void;
      /** A payment was approved from the terminal's record: its registrations wait in the outbox. */
      readonly onApproved?: () => void;
      /**
       * True while a payment is with the terminal: the check waits (a terminal has one
       * conversation at a time; some refuse a status request during a payment).
       */
      readonly terminalBusy?: () => boolean;
    },
  ) {}

  start(): void {
    // Soon after start-up: the payments recovery just resolved are among the first checked.
    this.schedule(Math.min(this.parts.intervalMs, 5_000));
  }

  /** Checks again once the latest payment's request can no longer be in flight. */
  afterPayment(): void {
    this.schedule(this.parts.terminal.inFlightWindowMs + 1_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /**
   * One round: the due payments, at most PER_ROUND. One round at a time. None with a terminal
   * that can tell only its latest transaction: its "not found" for an earlier payment says nothing.
   */
  runDue(): Promise<TerminalAuditResult> {
    if (this.parts.terminal.latestOnly) return Promise.resolve({ checked: 0, flagged: [], resolved: [] });
    this.running ??= this.round().finally(() => (this.running = null));
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runDue()
        .catch((error: unknown) => this.parts.log.error({ err: error }, 'terminal check failed'))
        .finally(() => this.schedule(this.parts.intervalMs));
    }, ms);
    this.timer.unref();
  }

  private async round(): Promise<TerminalAuditResult> {
    const { journal, terminal, log, now } = this.parts;
    const at = now();
    const due = journal.terminalChecks.due({
      sentBefore: new Date(at - terminal.inFlightWindowMs).toISOString(),
      now: new Date(at).toISOString(),
      since: new Date(at - TERMINAL_MEMORY_MS).toISOString(),
      recheckSince: new Date(at - NOT_FOUND_RECHECK_MS).toISOString(),
      checkedBefore: new Date(at - this.parts.intervalMs / 2).toISOString(),
      limit: PER_ROUND,
    });
    const flagged: string[] = [];
    const resolved: string[] = [];
    let checked = 0;
    for (const { paymentId, requestRef } of due) {
      if (this.stopped || this.parts.terminalBusy?.()) break;
      let status: TerminalStatus;
      try {
        status = await terminal.status({ paymentId, requestRef });
      } catch (error) {
        // The terminal is away or busy: this payment is checked in a later round.
        log.debug({ paymentId, err: error }, 'terminal check: no answer now');
        break;
      }
      if (status.state === 'in-progress') continue;
      const payment = journal.get(paymentId);
      const check = checkFrom(payment, status, new Date(now()).toISOString());
      const after = journal.recordTerminalCheck(check, this.resolution(payment, status, check));
      checked += 1;
      if (payment.state === 'needs_attention' && after.state !== 'needs_attention') {
        resolved.push(paymentId);
        log.warn(
          { paymentId, state: after.state, terminalTransactionRef: check.transactionRef },
          "a payment the terminal could not account for in time is settled by the terminal's own record",
        );
        if (after.state === 'approved') this.parts.onApproved?.();
      } else if (after.state !== payment.state && after.state === 'needs_attention') {
        flagged.push(paymentId);
        log.error(
          { paymentId, amountOre: check.capturedOre, terminalTransactionRef: check.transactionRef },
          'the terminal captured money for a payment the kiosk recorded as declined: staff must refund or register it',
        );
        this.parts.onFlagged?.(after);
      } else if (disagrees(payment, check)) {
        log.error(
          { paymentId, state: payment.state, terminal: check.outcome },
          'the terminal and the journal disagree about this payment: see the day report',
        );
      }
    }
    return { checked, flagged, resolved };
  }

  /**
   * For a payment with staff because the terminal could not say in time: the terminal's final
   * answer, when it is clear — captured for exactly the amount asked (registrations planned), or
   * failed. Anything else (another amount, "not found") stays with staff.
   */
  private resolution(
    payment: Payment,
    status: Exclude<TerminalStatus, { state: 'in-progress' }>,
    check: TerminalCheck,
  ): { approveWith: OutboxSpec[] } | { decline: true } | undefined {
    if (payment.state !== 'needs_attention' || payment.terminalTransactionRef !== null) return undefined;
    if (status.state !== 'final') return undefined;
    if (status.outcome.outcome === 'declined') return { decline: true };
    if (check.capturedOre !== payment.amountOre || !check.transactionRef) return undefined;
    return { approveWith: planDeliveries(payment, check.transactionRef, new Date(this.parts.now())) };
  }
}

function checkFrom(payment: Payment, status: Exclude<TerminalStatus, { state: 'in-progress' }>, at: string) {
  if (status.state === 'not-found') {
    return {
      paymentId: payment.id,
      outcome: 'not-found',
      capturedOre: 0,
      transactionRef: null,
      checkedAt: at,
    } as const;
  }
  const outcome = status.outcome;
  if (outcome.outcome === 'declined') {
    return {
      paymentId: payment.id,
      outcome: 'not-captured',
      capturedOre: 0,
      transactionRef: null,
      checkedAt: at,
    } as const;
  }
  return {
    paymentId: payment.id,
    outcome: 'captured',
    capturedOre: outcome.authorizedOre ?? payment.amountOre,
    transactionRef: outcome.transactionRef,
    checkedAt: at,
  } satisfies TerminalCheck;
}

function disagrees(payment: Payment, check: TerminalCheck): boolean {
  const charged = payment.terminalTransactionRef !== null && payment.state !== 'declined';
  if (check.outcome === 'captured') return !charged || check.transactionRef !== payment.terminalTransactionRef;
  return charged;
}
