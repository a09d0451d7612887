import { z } from 'zod';
import type { TerminalReceiptLine } from '../../../ports/payment-terminal.js';
import { cleanReceiptText, MAX_RECEIPT_LINES } from '../receipt-text.js';

/**
 * The cardholder's receipt from a terminal's PaymentResponse (nexo `PaymentReceipt`, the one
 * whose DocumentQualifier is `CustomerReceipt`). Adyen sends each printed line as an OutputText
 * whose Text is URL-encoded `name=…&value=…&key=…`; `key=filler` is an empty line (Adyen, "Generate
 * receipts": docs.adyen.com/point-of-sale/basic-tapi-integration/generate-receipts). Card schemes
 * certify that text, so it is printed as given, only ever shortened by masking a card number.
 *
 * Read leniently and apart from the payment: a receipt that cannot be read is no receipt (null),
 * never a payment that cannot be read.
 */
const PaymentReceipts = z.array(
  z.looseObject({
    DocumentQualifier: z.string(),
    OutputContent: z.looseObject({
      OutputFormat: z.string().optional(),
      OutputText: z
        .array(z.looseObject({ Text: z.string().optional(), CharacterStyle: z.string().optional() }))
        .optional(),
    }),
  }),
);

export function readCardholderReceipt(paymentReceipt: unknown): TerminalReceiptLine[] | null {
  const parsed = PaymentReceipts.safeParse(paymentReceipt);
  if (!parsed.success) return null;
  const customer = parsed.data.find((r) => r.DocumentQualifier === 'CustomerReceipt');
  const texts = customer?.OutputContent.OutputText;
  if (!texts || texts.length === 0) return null;
  const lines: TerminalReceiptLine[] = [];
  for (const text of texts.slice(0, MAX_RECEIPT_LINES)) {
    const line = readLine(text.Text ?? '');
    if (line) lines.push({ ...line, bold: text.CharacterStyle === 'Bold' });
  }
  return lines.length > 0 ? lines : null;
}

function readLine(text: string): { name: string; value: string } | null {
  if (!text.includes('=')) return { name: cleanReceiptText(text), value: '' };
  const fields = new URLSearchParams(text);
  if (fields.get('key') === 'filler') return { name: '', value: '' };
  const name = cleanReceiptText(fields.get('name') ?? '');
  const value = cleanReceiptText(fields.get('value') ?? '');
  // A line with a key only (an empty header Adyen leaves for the merchant to fill) prints nothing.
  return name || value ? { name, value } : null;
}
