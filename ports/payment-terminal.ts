/**
 * What the kiosk needs from a card terminal. The nexo driver implements it (devices/terminal/nexo)
 * and the terminal simulator speaks the same wire protocol. The card number never passes through
 * this interface: the terminal reads the card, and we only ever see the scheme and last digits.
 */
export interface TerminalPaymentRequest {
  /** Our payment id, sent as the sale transaction id: the terminal finds the payment by it. */
  readonly paymentId: string;
  /**
   * The request's own reference (nexo ServiceID), made by `newRequestRef()` and persisted in the
   * journal before the request is sent, so a restarted kiosk can ask the terminal about it.
   */
  readonly requestRef: string;
  readonly amountOre: number;
  readonly currency: 'DKK';
}

/** What the terminal is showing the borrower: the steps live in the contract, which the UI shares. */
export { TERMINAL_STEPS, type TerminalStep } from '../contract/index.js';
import type { TerminalStep } from '../contract/index.js';

export interface TerminalProgress {
  readonly step: TerminalStep;
  /** The terminal's own display text, when it sent one. */
  readonly text?: string;
  /** A QR payment (MobilePay): the code to show (SVG) and when it stops being valid (ISO). */
  readonly qr?: { readonly svg: string; readonly expiresAt: string };
}

/** One line of the terminal's cardholder receipt, as it is to be printed: a label and its value. */
export type { TerminalReceiptLine } from '../contract/index.js';
import type { TerminalReceiptLine } from '../contract/index.js';

/** Card data for the receipt: scheme and last four digits only. */
export interface CardReceipt {
  readonly scheme: string | null;
  readonly last4: string | null;
  readonly approvalCode: string | null;
}

export type DeclineReason =
  | 'refused' // the card issuer or terminal said no
  | 'cancelled' // the borrower cancelled on the terminal
  | 'aborted' // the kiosk aborted the payment (start over, idle reset)
  | 'card-removed'
  | 'wrong-pin'
  | 'busy' // the terminal was busy and did not start the payment
  | 'logged-out' // the terminal refused: it is logged out
  | 'not-received' // the terminal never received the request
  | 'expired' // a QR payment (MobilePay) nobody approved in time
  | 'other';

export type TerminalOutcome =
  | {
      readonly outcome: 'approved';
      readonly transactionRef: string;
      /**
       * The terminal's own time stamp of the transaction (ISO), as it gave it: a reversal names the
       * original transaction by reference and this time. Null when the terminal gave none.
       */
      readonly transactionTime: string | null;
      /** What the terminal says it authorised, when it says (a partial approval differs). */
      readonly authorizedOre: number | null;
      readonly card: CardReceipt;
      /**
       * The cardholder's copy of the terminal's receipt (scheme-certified text the cardholder must be
       * offered), card number masked; null when the terminal sent none or it could not be read.
       */
      readonly cardholderReceipt: readonly TerminalReceiptLine[] | null;
    }
  | { readonly outcome: 'declined'; readonly reason: DeclineReason; readonly detail?: string };

/** The terminal's knowledge of an earlier payment request. */
export type TerminalStatus =
  | { readonly state: 'final'; readonly outcome: TerminalOutcome }
  | { readonly state: 'in-progress' }
  | { readonly state: 'not-found' };

export type TerminalHealth =
  | { readonly available: true }
  | {
      readonly available: false;
      /** out-of-service: the terminal answers but says it cannot take payments (maintenance, no acquirer). */
      readonly reason: 'unreachable' | 'logged-out' | 'out-of-service' | 'not-configured' | 'error';
      readonly detail: string;
    };

/** A terminal's end-of-day reconciliation, as it reported it. */
export interface TerminalReconciliation {
  /** When the terminal closed its day (ISO). */
  readonly at: string;
  /** The terminal's session (batch) number, when it gives one. */
  readonly session: string | null;
  /** The terminal's reconciliation printout, line by line (its totals are in it). */
  readonly lines: readonly string[];
}

export type ReversalOutcome =
  | { readonly outcome: 'reversed' }
  | { readonly outcome: 'refused'; readonly detail: string };

export interface PaymentTerminal {
  /**
   * How long after a payment request was sent it may still reach the terminal and start: the
   * longest time a sent request can take to arrive plus the terminal's own processing limit.
   * Until then a "not found" from the terminal proves nothing (the request may be stalled on
   * the wire, e.g. in a kiosk that was killed while sending it); after it, it proves the request
   * never arrived. Per driver, from its configuration.
   */
  readonly inFlightWindowMs: number;
  /**
   * Drivers whose terminal can refuse a request before it arrives (a cancel by the request's
   * reference that the terminal remembers) implement this; `fenced` means the request can no
   * longer start, so "not found" is proof at once. nexo terminals cannot: they ignore an abort
   * for a request they do not know, so the nexo driver does not offer it.
   */
  preventStart?(request: { paymentId: string; requestRef: string }): Promise<'fenced' | 'not-fenced'>;
  /**
   * True when `status` can only tell the terminal's latest transaction (Nets Connect@Cloud): it
   * serves the recovery of the payment just in doubt, but not a check of the day's earlier
   * payments against the terminal's record, which then is not run (their "not found" would be
   * false alarms). nexo terminals keep every request for 48 hours.
   */
  readonly latestOnly?: boolean;
  /**
   * A fresh request reference (unique per terminal for at least 48 hours), made once the payment
   * is in the journal: a method whose reference is the payment itself (MobilePay) returns its id.
   */
  newRequestRef(paymentId?: string): string;
  /** Asks the terminal whether it can take a payment now (nexo: a DiagnosisRequest). */
  health(): Promise<TerminalHealth>;
  /**
   * Asks for the money. Resolves with the terminal's answer. Rejects with
   * TerminalNotReachedError when the request provably never left, and with any other error
   * when the answer was lost: the payment is then in doubt and `status` must be asked, never
   * `pay` again.
   */
  pay(request: TerminalPaymentRequest, onProgress?: (progress: TerminalProgress) => void): Promise<TerminalOutcome>;
  /** Asks the terminal to stop the payment in flight, if it is this one. No answer comes back. */
  abort(paymentId: string): Promise<void>;
  /**
   * What the terminal knows about an earlier request (by its reference). `sentAt` (ISO), when
   * known, is when the request was sent: a terminal that can only tell its latest transaction
   * (Nets) needs it to tell an older transaction from this one.
   */
  status(request: { paymentId: string; requestRef: string; sentAt?: string }): Promise<TerminalStatus>;
  /**
   * Reverses an approved payment (staff void, before it has been delivered). The original
   * transaction is named by the terminal's reference and its own time stamp (`transactionTime`).
   */
  reverse(request: {
    paymentId: string;
    transactionRef: string;
    transactionTime: string;
    /** What was approved: a terminal that voids its last transaction (Nets) is told the amount. */
    amountOre: number;
  }): Promise<ReversalOutcome>;
  /**
   * Closes the terminal's day (Nets: administration `reconciliation`). Absent where the acquirer
   * settles by itself (Adyen).
   */
  reconcile?(): Promise<TerminalReconciliation>;
  close(): Promise<void>;
}

/**
 * The request provably never reached the terminal (not configured, connection refused before
 * anything was sent). Only this error lets the checkout decline without recovery; any other
 * failure leaves the payment in doubt.
 */
export class TerminalNotReachedError extends Error {
  override name = 'TerminalNotReachedError';
}

/**
 * The terminal refused the message itself (a nexo EventNotification "Reject": a key it does not
 * have, a message it cannot read) and did nothing with it: like a request that never arrived, no
 * money can have moved. The message says the terminal's reason.
 */
export class TerminalRejectedError extends TerminalNotReachedError {
  override name = 'TerminalRejectedError';
}

/** The request may have reached the terminal, but no usable answer came back. */
export class TerminalAnswerLostError extends Error {
  override name = 'TerminalAnswerLostError';
}

/** This kiosk already has a payment in flight on the terminal; nothing was sent. */
export class TerminalBusyError extends TerminalNotReachedError {
  override name = 'TerminalBusyError';
}

/** Used when no terminal is configured: refuses everything before anything is sent. */
export const notConfiguredTerminal: PaymentTerminal = {
  inFlightWindowMs: 0,
  newRequestRef: () => 'none',
  health: () =>
    Promise.resolve({ available: false, reason: 'not-configured', detail: 'no payment terminal is configured' }),
  pay: () => Promise.reject(new TerminalNotReachedError('no payment terminal is configured')),
  abort: () => Promise.resolve(),
  status: () => Promise.resolve({ state: 'not-found' }),
  reverse: () => Promise.resolve({ outcome: 'refused', detail: 'no payment terminal is configured' }),
  close: () => Promise.resolve(),
};
