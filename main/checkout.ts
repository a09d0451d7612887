import type { Channel, Payment, PaymentLine } from '../contract/index.js';
import type { PaymentJournal } from '../db/journal.js';
import { TerminalNotReachedError, type PaymentTerminal } from '../devices/terminal/terminal.js';
import { planDeliveries } from './deliveries.js';
import { faultPoint } from './faults.js';
import type { Logger } from './log.js';

/** A chosen claim that is no longer as the borrower saw it (see integrations/fbs/freshness.ts). */
export interface StaleClaim {
  readonly claimId: string;
  readonly kind: string;
}

/** Re-reads the chosen claims at their source right before charging. */
export type VerifyClaims = (patronId: string, lines: readonly PaymentLine[]) => Promise<readonly StaleClaim[]>;

/** Nothing was charged or persisted: the borrower must look at their claims again. */
export class ClaimsChangedError extends Error {
  override name = 'ClaimsChangedError';
  constructor(readonly changes: readonly StaleClaim[]) {
    super(`claims changed since they were shown: ${changes.map((c) => `${c.claimId} ${c.kind}`).join(', ')}`);
  }
}

export interface CheckoutRequest {
  readonly channel: Channel;
  readonly patronId: string;
  readonly lines: readonly PaymentLine[];
  readonly actor: string;
}

/**
 * Takes one payment from intent to approval. The order is the guarantee: every step is durable
 * before the next external call, so a crash at any point leaves a journal that says exactly
 * how far it got.
 */
export class Checkout {
  private inFlight = false;

  constructor(
    private readonly journal: PaymentJournal,
    private readonly terminal: PaymentTerminal,
    private readonly log: Logger,
    private readonly onApproved: () => void,
    private readonly verifyClaims: VerifyClaims = () => Promise.resolve([]),
  ) {}

  async pay(request: CheckoutRequest): Promise<Payment> {
    // One payment in flight per terminal.
    if (this.inFlight) throw new Error('a payment is already in progress');
    this.inFlight = true;
    try {
      return await this.run(request);
    } finally {
      this.inFlight = false;
    }
  }

  private async run(request: CheckoutRequest): Promise<Payment> {
    // Last look before money moves: a claim paid or changed since it was shown must not be
    // charged. If the source cannot be asked, this throws and nothing is charged either.
    const changes = await this.verifyClaims(request.patronId, request.lines);
    if (changes.length > 0) throw new ClaimsChangedError(changes);

    const intent = this.journal.createIntent(request);
    faultPoint('checkout.after-intent-persisted');

    this.journal.markAuthorizing(intent.id, request.actor);
    faultPoint('checkout.after-authorizing-persisted');

    let answer;
    try {
      answer = await this.terminal.pay({ paymentId: intent.id, amountOre: intent.amountOre, currency: 'DKK' });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof TerminalNotReachedError) {
        this.log.warn({ paymentId: intent.id, reason }, 'terminal not reached: nothing was charged');
        return this.journal.decline(intent.id, `terminal not reached: ${reason}`, request.actor);
      }
      this.log.error({ paymentId: intent.id, reason }, 'terminal outcome unknown: payment needs recovery');
      return this.journal.markUnknown(intent.id, reason, request.actor);
    }
    faultPoint('checkout.after-terminal-approved');

    if (answer.outcome === 'declined') {
      this.log.info({ paymentId: intent.id, reason: answer.reason }, 'payment declined');
      return this.journal.decline(intent.id, answer.reason, request.actor);
    }
    const deliveries = planDeliveries(intent, answer.transactionRef, new Date());
    const approved = this.journal.approve(intent.id, answer.transactionRef, deliveries, request.actor);
    faultPoint('checkout.after-journal-approved');
    this.log.info({ paymentId: intent.id, amountOre: intent.amountOre }, 'payment approved');
    this.onApproved();
    return approved;
  }
}
