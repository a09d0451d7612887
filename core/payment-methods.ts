import type { PaymentMethod } from '../contract/index.js';
import type {
  PaymentTerminal,
  ReversalOutcome,
  TerminalHealth,
  TerminalOutcome,
  TerminalPaymentRequest,
  TerminalProgress,
  TerminalReconciliation,
  TerminalStatus,
} from '../ports/payment-terminal.js';

/**
 * The ways to pay, behind the one port the core knows: the card terminal, and MobilePay when it
 * is offered. Every call about a payment goes to the method the journal recorded for it, so the
 * recovery of a payment in doubt, the check against the payer's own record and a staff void reach
 * the system the money went through — never the other one. Health and the day's closing are the
 * card terminal's (MobilePay's availability is asked separately: `health(method)`).
 */
export class PaymentMethods implements PaymentTerminal {
  readonly latestOnly?: boolean;
  readonly reconcile?: () => Promise<TerminalReconciliation>;

  constructor(
    private readonly card: PaymentTerminal,
    private readonly mobilepay: PaymentTerminal | null,
    /** The method the journal recorded for a payment. */
    private readonly methodOf: (paymentId: string) => PaymentMethod,
  ) {
    if (card.latestOnly !== undefined) this.latestOnly = card.latestOnly;
    if (card.reconcile) this.reconcile = () => card.reconcile!();
  }

  /** The methods a borrower may choose now. */
  get offered(): readonly PaymentMethod[] {
    return this.mobilepay ? ['card', 'mobilepay'] : ['card'];
  }

  get inFlightWindowMs(): number {
    return Math.max(this.card.inFlightWindowMs, this.mobilepay?.inFlightWindowMs ?? 0);
  }

  /** The terminal for a method; MobilePay asked for when it is not offered is an error, not a card payment. */
  of(method: PaymentMethod): PaymentTerminal {
    if (method === 'card') return this.card;
    if (!this.mobilepay) throw new Error('MobilePay is not offered on this kiosk');
    return this.mobilepay;
  }

  private for(paymentId: string): PaymentTerminal {
    return this.of(this.methodOf(paymentId));
  }

  newRequestRef(paymentId?: string): string {
    return paymentId ? this.for(paymentId).newRequestRef(paymentId) : this.card.newRequestRef();
  }

  health(method: PaymentMethod = 'card'): Promise<TerminalHealth> {
    return this.of(method).health();
  }

  pay(request: TerminalPaymentRequest, onProgress?: (progress: TerminalProgress) => void): Promise<TerminalOutcome> {
    return this.for(request.paymentId).pay(request, onProgress);
  }

  abort(paymentId: string): Promise<void> {
    return this.for(paymentId).abort(paymentId);
  }

  status(request: { paymentId: string; requestRef: string; sentAt?: string }): Promise<TerminalStatus> {
    return this.for(request.paymentId).status(request);
  }

  reverse(request: {
    paymentId: string;
    transactionRef: string;
    transactionTime: string;
    amountOre: number;
  }): Promise<ReversalOutcome> {
    return this.for(request.paymentId).reverse(request);
  }

  async close(): Promise<void> {
    await this.card.close();
    await this.mobilepay?.close();
  }
}
