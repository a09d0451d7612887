/**
 * What the checkout needs from a card terminal. The nexo driver and the terminal simulator
 * implement it (the terminal issue); the card number never passes through this interface.
 */
export interface TerminalPaymentRequest {
  /** Our payment id: the terminal transaction is found again by it after a crash. */
  readonly paymentId: string;
  readonly amountOre: number;
  readonly currency: 'DKK';
}

export type TerminalOutcome =
  | { readonly outcome: 'approved'; readonly transactionRef: string }
  | { readonly outcome: 'declined'; readonly reason: string };

export interface PaymentTerminal {
  /**
   * Asks for the money. Resolves with the terminal's answer; rejects when the answer could not
   * be learned (timeout, connection lost): the payment is then in doubt, never retried blindly.
   */
  pay(request: TerminalPaymentRequest): Promise<TerminalOutcome>;
}

/**
 * The request provably never reached the terminal (not configured, connection refused before
 * anything was sent). Only this error lets the checkout decline without recovery; any other
 * failure leaves the payment in doubt.
 */
export class TerminalNotReachedError extends Error {
  override name = 'TerminalNotReachedError';
}

/** Used until a terminal driver is configured: refuses before anything is sent. */
export const notConfiguredTerminal: PaymentTerminal = {
  pay() {
    return Promise.reject(new TerminalNotReachedError('no payment terminal is configured'));
  },
};
