import type { TerminalReceiptLine } from '../../ports/payment-terminal.js';

/** The most a terminal's receipt may hold here: lines, and characters per text. */
export const MAX_RECEIPT_LINES = 200;
const MAX_TEXT = 200;

/**
 * One text from a terminal's receipt, made safe to keep and print: control characters out,
 * length capped, and anything that could be a card number (13 to 19 digits standing alone,
 * spaces or dashes allowed, passing the Luhn check) reduced to its last four, should a terminal
 * ever print one unmasked — the card number never reaches the journal or the paper through the
 * kiosk. References inside words (Adyen's tender "4r7i0015…") stay.
 */
export function cleanReceiptText(text: string): string {
  return text
    .replace(/\p{Cc}/gu, ' ')
    .replace(/(?<![\p{L}\p{N}])\d(?:[ -]?\d){12,18}(?![\p{L}\p{N}])/gu, (digits) => {
      const plain = digits.replace(/\D/gu, '');
      return luhnValid(plain) ? `${'*'.repeat(plain.length - 4)}${plain.slice(-4)}` : digits;
    })
    .slice(0, MAX_TEXT);
}

/**
 * A receipt a terminal gives as preformatted text (Nets: `customerReceipt`), line by line: each
 * line printed as it is (its own spacing kept), an empty line a spacer. Null when there is none.
 */
export function receiptFromText(text: string | undefined): TerminalReceiptLine[] | null {
  if (!text || !text.trim()) return null;
  const lines = text
    .replace(/\r\n?/gu, '\n')
    .split('\n')
    .slice(0, MAX_RECEIPT_LINES)
    .map((line) => ({ name: cleanReceiptText(line.trimEnd()), value: '', bold: false }));
  while (lines.length > 0 && !lines.at(-1)!.name) lines.pop();
  return lines.length > 0 ? lines : null;
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
