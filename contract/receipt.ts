import { z } from 'zod';
import { Material, PayableRoute } from './claim.js';
import { PositiveOre } from './money.js';
import { CardSummary, type Payment } from './payment.js';

/**
 * What a receipt says, as data. The printer lays it out on paper (devices/printer/); when the
 * printer cannot, the renderer shows the same receipt on screen. Labels are translated where it
 * is shown; nothing here is language-specific except the claims' own texts from FBS.
 */
export const ReceiptLine = z
  .object({
    reason: z.string().max(1000),
    materials: z.array(Material).max(200),
    amountOre: PositiveOre,
    /** Where the payment is registered: with the library (FBS) or the municipality (debtor system). */
    route: PayableRoute,
  })
  .strict();
export type ReceiptLine = z.infer<typeof ReceiptLine>;

/**
 * One line of the card terminal's cardholder receipt (Adyen: PaymentReceipt CustomerReceipt).
 * Card schemes certify that text: it is printed as the terminal gave it, label and value, never
 * rewritten. An empty line is a spacer.
 */
export const TerminalReceiptLine = z
  .object({
    name: z.string().max(200),
    value: z.string().max(200),
    bold: z.boolean(),
  })
  .strict();
export type TerminalReceiptLine = z.infer<typeof TerminalReceiptLine>;

export const Receipt = z
  .object({
    libraryName: z.string().max(200),
    paymentId: z.uuid(),
    /** When the card payment was approved (ISO, UTC); shown in the library's time zone. */
    paidAt: z.iso.datetime(),
    lines: z.array(ReceiptLine).min(1),
    totalOre: PositiveOre,
    /** The terminal's reference for the transaction. */
    terminalReference: z.string().max(200).nullable(),
    /** Masked card: scheme and last four digits only. */
    card: CardSummary.nullable(),
    /** The terminal's cardholder receipt, printed below the kiosk's own; null when it sent none. */
    cardholderReceipt: z.array(TerminalReceiptLine).max(200).nullable(),
  })
  .strict();
export type Receipt = z.infer<typeof Receipt>;

/** The receipt for an approved payment. */
export function receiptFor(
  payment: Payment,
  at: { libraryName: string; paidAt: string; cardholderReceipt?: readonly TerminalReceiptLine[] | null },
): Receipt {
  return {
    libraryName: at.libraryName,
    paymentId: payment.id,
    paidAt: at.paidAt,
    lines: payment.lines.map((line) => ({
      reason: line.reason,
      materials: line.materials,
      amountOre: line.amountOre,
      route: line.route,
    })),
    totalOre: payment.amountOre,
    terminalReference: payment.terminalTransactionRef,
    card: payment.card,
    cardholderReceipt: at.cardholderReceipt ? [...at.cardholderReceipt] : null,
  };
}

/** "Visa •••• 1234", or what is known of it. The full card number never reaches the kiosk. */
export function maskedCard(card: Receipt['card']): string | null {
  if (!card || (!card.scheme && !card.last4)) return null;
  return [card.scheme, card.last4 ? `**** ${card.last4}` : null].filter(Boolean).join(' ');
}
