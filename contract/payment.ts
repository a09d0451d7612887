import { z } from 'zod';
import { ClaimShape, FeeId, PayableRoute } from './claim.js';
import { Currency, PositiveOre } from './money.js';

/**
 * The life of a payment. The only legal moves are in PAYMENT_TRANSITIONS below; the journal
 * (db/journal.ts) refuses any other, so this table is the one place the rules live.
 */
export const PaymentState = z.enum([
  'created', // intent persisted, terminal not yet asked
  'authorizing', // terminal asked for money; outcome not yet known to us
  'approved', // terminal approved; deliveries queued in the outbox
  'declined', // terminal declined, or cancelled before the terminal was asked
  'unknown', // terminal outcome could not be learned; needs recovery, never a re-charge
  'settled', // every delivery registered the payment
  'needs_attention', // staff must act: a delivery was rejected, or the terminal could not say what happened
  'voided', // the card payment was reversed
]);
export type PaymentState = z.infer<typeof PaymentState>;

export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentState, readonly PaymentState[]>> = {
  created: ['authorizing', 'declined'],
  // needs_attention from here: the terminal could not say what happened; staff check its journal.
  authorizing: ['approved', 'declined', 'unknown', 'needs_attention'],
  unknown: ['approved', 'declined', 'needs_attention'],
  approved: ['settled', 'needs_attention', 'voided'],
  // Staff resolve it: registered after all (settled), reversed (voided), or, when the terminal
  // could not say, what its own journal shows (approved: charged, declined: not charged).
  needs_attention: ['settled', 'voided', 'approved', 'declined'],
  // Only when the terminal itself later shows a capture for it (the day's terminal check): staff.
  declined: ['needs_attention'],
  settled: [],
  voided: [],
};

export function canTransition(from: PaymentState, to: PaymentState): boolean {
  return PAYMENT_TRANSITIONS[from].includes(to);
}

/** States in which money may have been taken but the kiosk does not know: recovery needed. */
/**
 * Why a payment was declined, as a code kept in its own column (the text beside it is for
 * people). The terminal's reasons, and the kiosk's own: never sent (the journal could not be
 * written), abandoned (a restart before the terminal was asked), declined by staff, or by the
 * terminal's own record found later.
 */
export const DeclineCode = z.enum([
  'refused',
  'cancelled',
  'aborted',
  'card-removed',
  'wrong-pin',
  'busy',
  'logged-out',
  'not-received',
  'expired',
  'other',
  'abandoned',
  'not-sent',
  'staff',
  'terminal-check',
]);
export type DeclineCode = z.infer<typeof DeclineCode>;

export const IN_DOUBT_STATES: readonly PaymentState[] = ['authorizing', 'unknown'];

/**
 * States in which a payment holds its claims: money was, or may have been, taken for them, so
 * the kiosk never charges them again (only a decline or a void releases them).
 */
export const CLAIM_HOLDING_STATES: readonly PaymentState[] = [
  'created',
  'authorizing',
  'unknown',
  'approved',
  'settled',
  'needs_attention',
];

/**
 * held: staff are voiding the payment, so it must not be sent; cancelled: the payment was
 * voided, so it never will be.
 */
export const DeliveryState = z.enum(['pending', 'sending', 'delivered', 'rejected', 'held', 'cancelled']);
export type DeliveryState = z.infer<typeof DeliveryState>;

export const Channel = z.enum(['kiosk', 'staff']);
export type Channel = z.infer<typeof Channel>;

/** One claim inside a payment, frozen at the moment the borrower chose to pay it. */
export const PaymentLine = z
  .object({
    claimId: ClaimShape.shape.id,
    feeId: FeeId,
    route: PayableRoute,
    type: ClaimShape.shape.type,
    reason: ClaimShape.shape.reason,
    materials: ClaimShape.shape.materials,
    amountOre: PositiveOre,
    /**
     * When FBS created the claim (the list it was chosen from): whether a debtor-route claim is
     * older than the debtor integration's cut-off date (core/claim-standing.ts). Used before
     * charging only; the journal does not keep it.
     */
    createdOn: ClaimShape.shape.createdOn.optional(),
  })
  .strict();
export type PaymentLine = z.infer<typeof PaymentLine>;

/** What the kiosk keeps of the card: the scheme and last four digits, never more. */
export const CardSummary = z
  .object({
    scheme: z.string().max(50).nullable(),
    last4: z
      .string()
      .regex(/^\d{4}$/)
      .nullable(),
  })
  .strict();
export type CardSummary = z.infer<typeof CardSummary>;

/** How the borrower paid: on the card terminal, or with MobilePay (a QR scanned in the app). */
export const PaymentMethod = z.enum(['card', 'mobilepay']);
export type PaymentMethod = z.infer<typeof PaymentMethod>;

export const Payment = z
  .object({
    id: z.uuid(),
    state: PaymentState,
    channel: Channel,
    method: PaymentMethod,
    /** FBS patron id of the borrower; never the CPR or card number. */
    patronId: z.string().min(1).max(50),
    amountOre: PositiveOre,
    currency: Currency,
    lines: z.array(PaymentLine).min(1),
    /** The terminal's reference for the transaction, once it is known. */
    terminalTransactionRef: z.string().max(200).nullable(),
    /** The request sent to the terminal (nexo ServiceID), persisted before it was sent. */
    terminalRequestRef: z.string().max(50).nullable(),
    /** For the receipt: the card scheme and last four digits, never more. */
    card: CardSummary.nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .strict();
export type Payment = z.infer<typeof Payment>;
