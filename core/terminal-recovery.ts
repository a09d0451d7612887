import type { Payment } from '../contract/index.js';
import type { PaymentJournal } from '../db/journal.js';
import type { PaymentTerminal, TerminalOutcome, TerminalStatus } from '../ports/payment-terminal.js';
import { planDeliveries } from './deliveries.js';
import { faultPoint } from '../base/faults.js';
import type { Logger } from '../base/log.js';
import { messageOf } from '../base/errors.js';

/**
 * Writes what the terminal said about a payment into the journal: an approval together with the
 * outbox rows that will register it (one transaction), or a decline. An approval of another
 * amount than asked (a partial approval) is not guessed at: staff decide.
 */
export function recordTerminalOutcome(
  journal: PaymentJournal,
  payment: Payment,
  outcome: TerminalOutcome,
  actor: string,
  log: Logger,
): Payment {
  if (outcome.outcome === 'declined') {
    log.info({ paymentId: payment.id, reason: outcome.reason }, 'payment declined');
    return journal.decline(payment.id, outcome.reason, outcome.detail ?? '', actor);
  }
  if (outcome.authorizedOre !== null && outcome.authorizedOre !== payment.amountOre) {
    log.error(
      { paymentId: payment.id, amountOre: payment.amountOre, authorizedOre: outcome.authorizedOre },
      'the terminal approved another amount than asked',
    );
    return journal.flagForStaff(
      payment.id,
      `the terminal approved ${outcome.authorizedOre} øre of ${payment.amountOre} (reference ${outcome.transactionRef})`,
      actor,
    );
  }
  const deliveries = planDeliveries(payment, outcome.transactionRef, new Date());
  const approved = journal.approve(payment.id, outcome.transactionRef, deliveries, actor, {
    scheme: outcome.card.scheme,
    last4: outcome.card.last4,
    transactionTime: outcome.transactionTime,
    cardholderReceipt: outcome.cardholderReceipt,
  });
  faultPoint('checkout.after-journal-approved');
  log.info({ paymentId: payment.id, amountOre: payment.amountOre }, 'payment approved');
  return approved;
}

export interface RecoveryOptions {
  /** Pause between status questions while the terminal is busy or unreachable. */
  readonly pollIntervalMs: number;
  /** After this long without a final answer the payment goes to staff. */
  readonly giveUpAfterMs: number;
}

/**
 * A terminal keeps its transactions, and ServiceIDs are unique, for 48 hours: within that time
 * "not found" means the request never arrived. Older than that, the terminal may have forgotten,
 * so "not found" proves nothing and staff decide.
 */
const NOT_FOUND_IS_PROOF_MS = 48 * 60 * 60 * 1000;

/**
 * Finds out what became of a payment whose answer was lost (timeout, dropped connection, crash):
 * it asks the terminal for the status of the original request, as often as needed while the
 * terminal is busy, and never sends a second PaymentRequest. When the terminal cannot say in
 * time, the payment goes to staff as `needs_attention`.
 *
 * "Not found" is only proof once the request can no longer be in flight: a request sent just
 * before a crash may still be on its way (a stalled link delivers it seconds later, and the
 * terminal then charges the card). So until the terminal's `inFlightWindowMs` has passed since
 * `authorizing` was written (the request is sent right after), the payment stays in doubt and
 * the terminal is asked again once the window has closed. A driver that can make the request
 * impossible to start (`preventStart`) is asked to first; its "fenced" makes "not found" proof.
 */
export class TerminalRecovery {
  private stopping = false;
  private wakeSleeper: (() => void) | null = null;

  constructor(
    private readonly journal: PaymentJournal,
    private readonly terminal: PaymentTerminal,
    private readonly log: Logger,
    private readonly options: RecoveryOptions,
    private readonly now: () => number = Date.now,
    private readonly audit?: (entry: { action: string; subject: string; data: Record<string, unknown> }) => void,
  ) {}

  /** Shutting down: a payment being resolved stays in doubt, for the next start. */
  stop(): void {
    this.stopping = true;
    this.wakeSleeper?.();
  }

  async resolve(payment: Payment, actor = 'system'): Promise<Payment> {
    const requestRef = payment.terminalRequestRef;
    if (requestRef === null) {
      return this.journal.flagForStaff(payment.id, 'no terminal request reference was recorded', actor);
    }
    // A send time later than now means the clock was set back since: count from now (waiting
    // longer is safe; waiting a day for a clock's correction would stop card payments for a day).
    const sentAt = Math.min(Date.parse(this.journal.authorizingAt(payment.id) ?? payment.createdAt), this.now());
    let provenAfter = sentAt + this.terminal.inFlightWindowMs;
    // A terminal that cannot be asked (unreachable, busy) hands the payment to staff after
    // giveUpAfterMs; one that says "not found" too early is asked again after the window.
    let deadline = this.now() + this.options.giveUpAfterMs;
    let last = 'no answer yet';
    let fenced = false;
    let heldInDoubt = false;
    for (;;) {
      let status: TerminalStatus | null = null;
      try {
        status = await this.terminal.status({
          paymentId: payment.id,
          requestRef,
          sentAt: new Date(sentAt).toISOString(),
        });
      } catch (error) {
        last = messageOf(error);
      }
      if (status?.state === 'final') {
        this.log.info(
          { paymentId: payment.id, outcome: status.outcome.outcome },
          'payment recovered from the terminal',
        );
        return recordTerminalOutcome(this.journal, payment, status.outcome, actor, this.log);
      }
      let pause = this.options.pollIntervalMs;
      if (status?.state === 'not-found') {
        const now = this.now();
        if (now - sentAt >= NOT_FOUND_IS_PROOF_MS) {
          return this.journal.flagForStaff(
            payment.id,
            'the terminal no longer knows the request (older than 48 h)',
            actor,
          );
        }
        if (!fenced && now < provenAfter && this.terminal.preventStart) {
          fenced = (await this.fence(payment, requestRef)) === 'fenced';
          // Fenced: the request can no longer start, so the next "not found" is proof.
          if (fenced) provenAfter = now;
          continue;
        }
        if (now >= provenAfter) {
          return this.journal.decline(
            payment.id,
            'not-received',
            fenced
              ? 'the terminal never received the request (start prevented first)'
              : 'the terminal never received the request (asked again after it could no longer arrive)',
            actor,
          );
        }
        // Not found *yet*: it may still arrive. Stay in doubt until it no longer can, then ask again.
        if (!heldInDoubt) {
          heldInDoubt = true;
          this.log.warn(
            { paymentId: payment.id, requestRef, untilMs: provenAfter - now },
            'the terminal does not know the request yet; it may still arrive: the payment stays in doubt',
          );
          this.audit?.({
            action: 'recovery.not-found-too-early',
            subject: payment.id,
            data: {
              requestRef,
              sentAt: new Date(sentAt).toISOString(),
              provenAfter: new Date(provenAfter).toISOString(),
            },
          });
        }
        last = 'the terminal did not know the request yet';
        deadline = Math.max(deadline, provenAfter + 2 * this.options.pollIntervalMs);
        pause = Math.max(1, provenAfter - now);
      } else if (status?.state === 'in-progress') last = 'the terminal still reports the payment in progress';
      if (this.stopping) {
        this.log.warn({ paymentId: payment.id }, 'kiosk stopping: the payment stays in doubt until the next start');
        return payment;
      }
      if (this.now() >= deadline) {
        this.log.error({ paymentId: payment.id, last }, 'terminal could not say what happened: staff must check');
        return this.journal.flagForStaff(payment.id, `the terminal could not say what happened: ${last}`, actor);
      }
      await this.sleep(pause);
      if (this.stopping) {
        this.log.warn({ paymentId: payment.id }, 'kiosk stopping: the payment stays in doubt until the next start');
        return payment;
      }
    }
  }

  private async fence(payment: Payment, requestRef: string): Promise<'fenced' | 'not-fenced'> {
    let result: 'fenced' | 'not-fenced' = 'not-fenced';
    try {
      result = await this.terminal.preventStart!({ paymentId: payment.id, requestRef });
    } catch (error) {
      this.log.warn({ paymentId: payment.id, err: error }, 'the terminal could not be asked to prevent the request');
    }
    this.audit?.({ action: 'recovery.start-prevented', subject: payment.id, data: { requestRef, result } });
    return result;
  }

  /** A pause that ends early when the kiosk stops. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeSleeper === done) this.wakeSleeper = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleeper = done;
    });
  }
}
