import { z } from 'zod';
import type { TerminalReceiptLine } from '../../../ports/payment-terminal.js';

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

const MAX_LINES = 200;
const MAX_TEXT = 200;

export function readCardholderReceipt(paymentReceipt: unknown): TerminalReceiptLine[] | null {
  const parsed = PaymentReceipts.safeParse(paymentReceipt);
  if (!parsed.success) return null;
  const customer = parsed.data.find((r) => r.DocumentQualifier === 'CustomerReceipt');
  const texts = customer?.OutputContent.OutputText;
  if (!texts || texts.length === 0) return null;
  const lines: TerminalReceiptLine[] = [];
  for (const text of texts.slice(0, MAX_LINES)) {
    const line = readLine(text.Text ?? '');
    if (line) lines.push({ ...line, bold: text.CharacterStyle === 'Bold' });
  }
  return lines.length > 0 ? lines : null;
}

function readLine(text: string): { name: string; value: string } | null {
  if (!text.includes('=')) return { name: clean(text), value: '' };
  const fields = new URLSearchParams(text);
  if (fields.get('key') === 'filler') return { name: '', value: '' };
  const name = clean(fields.get('name') ?? '');
  const value = clean(fields.get('value') ?? '');
  // A line with a key only (an empty header Adyen leaves for the merchant to fill) prints nothing.
  return name || value ? { name, value } : null;
}

/**
 * Control characters out, length capped, and anything that could be a card number (13 to 19
 * digits standing alone, spaces or dashes allowed, passing the Luhn check) reduced to its last
 * four, should a terminal ever print one unmasked: the card number never reaches the journal or
 * the paper through the kiosk. References inside words (Adyen's tender "4r7i0015…") stay.
 */
function clean(text: string): string {
  return text
    .replace(/\p{Cc}/gu, ' ')
    .replace(/(?<![\p{L}\p{N}])\d(?:[ -]?\d){12,18}(?![\p{L}\p{N}])/gu, (digits) => {
      const plain = digits.replace(/\D/gu, '');
      return luhnValid(plain) ? `${'*'.repeat(plain.length - 4)}${plain.slice(-4)}` : digits;
    })
    .slice(0, MAX_TEXT);
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
