import type { Payment } from '../contract/index.js';
import type { PaymentJournal } from '../db/journal.js';
import type { PaymentTerminal, TerminalOutcome, TerminalStatus } from '../devices/terminal/terminal.js';
import { planDeliveries } from './deliveries.js';
import { faultPoint } from './faults.js';
import type { Logger } from './log.js';

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
    const detail = outcome.detail ? `: ${outcome.detail}` : '';
    return journal.decline(payment.id, `${outcome.reason}${detail}`, actor);
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
 */
export class TerminalRecovery {
  private stopping = false;

  constructor(
    private readonly journal: PaymentJournal,
    private readonly terminal: PaymentTerminal,
    private readonly log: Logger,
    private readonly options: RecoveryOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Shutting down: a payment being resolved stays in doubt, for the next start. */
  stop(): void {
    this.stopping = true;
  }

  async resolve(payment: Payment, actor = 'system'): Promise<Payment> {
    const requestRef = payment.terminalRequestRef;
    if (requestRef === null) {
      return this.journal.flagForStaff(payment.id, 'no terminal request reference was recorded', actor);
    }
    const deadline = this.now() + this.options.giveUpAfterMs;
    let last = 'no answer yet';
    for (;;) {
      let status: TerminalStatus | null = null;
      try {
        status = await this.terminal.status({ paymentId: payment.id, requestRef });
      } catch (error) {
        last = (error as Error).message;
      }
      if (status?.state === 'final') {
        this.log.info(
          { paymentId: payment.id, outcome: status.outcome.outcome },
          'payment recovered from the terminal',
        );
        return recordTerminalOutcome(this.journal, payment, status.outcome, actor, this.log);
      }
      if (status?.state === 'not-found') {
        if (this.now() - Date.parse(payment.createdAt) < NOT_FOUND_IS_PROOF_MS) {
          return this.journal.decline(payment.id, 'not-received: the terminal never received the request', actor);
        }
        return this.journal.flagForStaff(
          payment.id,
          'the terminal no longer knows the request (older than 48 h)',
          actor,
        );
      }
      if (status?.state === 'in-progress') last = 'the terminal still reports the payment in progress';
      if (this.stopping) {
        this.log.warn({ paymentId: payment.id }, 'kiosk stopping: the payment stays in doubt until the next start');
        return payment;
      }
      if (this.now() >= deadline) {
        this.log.error({ paymentId: payment.id, last }, 'terminal could not say what happened: staff must check');
        return this.journal.flagForStaff(payment.id, `the terminal could not say what happened: ${last}`, actor);
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pollIntervalMs));
    }
  }
}
