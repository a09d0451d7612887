/**
 * What a scanned code is. Pure and total: any input gives a result, never an exception.
 *
 * - CPR from the health card (sundhedskort): 10 digits whose date part is a real date in the
 *   century the 7th digit gives. The mod-11 check is deliberately not applied: CPR numbers
 *   without it have been issued since 2007.
 * - Library card numbers: the installation's patterns (config `scanner.libraryCardPatterns`).
 * - Codes a borrower may scan by mistake (a payment slip's code line, a book's ISBN) are
 *   recognised and answered with a message key the UI can show, never sent anywhere.
 *
 * A CPR is checked before the library card patterns: both go to FBS the same way, and taking a
 * code for a CPR only means it is masked more carefully.
 */
export type ScanResult =
  | { readonly kind: 'library-card'; readonly cardNumber: string }
  | { readonly kind: 'cpr'; readonly cpr: string }
  | { readonly kind: 'unsupported'; readonly what: 'payment-slip' | 'isbn' | 'unknown'; readonly messageKey: string }
  | {
      readonly kind: 'invalid';
      readonly reason: 'empty' | 'too-long' | 'control-characters';
      readonly messageKey: string;
    };

export const MAX_CODE_LENGTH = 64;

export interface CodeRules {
  /** Regular expressions (whole code) for this installation's library cards. */
  readonly libraryCardPatterns: readonly RegExp[];
}

export const DEFAULT_LIBRARY_CARD_PATTERNS = ['^[0-9]{6,14}$'];

export function compileCardPatterns(patterns: readonly string[]): RegExp[] {
  return patterns.map((p) => new RegExp(p, 'u'));
}

// eslint-disable-next-line no-control-regex -- the point is to find control characters
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

export function parseScan(raw: string, rules: CodeRules): ScanResult {
  if (raw.length > MAX_CODE_LENGTH * 4) return invalid('too-long');
  const code = raw.trim();
  if (code.length === 0) return invalid('empty');
  if (code.length > MAX_CODE_LENGTH) return invalid('too-long');
  if (CONTROL.test(code)) return invalid('control-characters');

  const cpr = cprFrom(code);
  if (cpr) return { kind: 'cpr', cpr };
  // A book's barcode (EAN-13 ISBN) before the card patterns: it is all digits too.
  if (/^97[89]\d{10}$/u.test(code) && ean13Valid(code)) {
    return { kind: 'unsupported', what: 'isbn', messageKey: 'scan.unsupported.book' };
  }
  if (rules.libraryCardPatterns.some((pattern) => pattern.test(code)))
    return { kind: 'library-card', cardNumber: code };
  // A payment slip's code line (FI-kort +71, +73, +75), scanned by mistake.
  if (/^\+7[135]</u.test(code)) {
    return { kind: 'unsupported', what: 'payment-slip', messageKey: 'scan.unsupported.paymentSlip' };
  }
  return { kind: 'unsupported', what: 'unknown', messageKey: 'scan.unsupported.unknown' };
}

function invalid(reason: 'empty' | 'too-long' | 'control-characters'): ScanResult {
  return { kind: 'invalid', reason, messageKey: `scan.invalid.${reason}` };
}

/** The CPR in a code (DDMMYYSSSS, a dash allowed after the date), or null. */
export function cprFrom(code: string): string | null {
  const match = /^(\d{2})(\d{2})(\d{2})-?(\d{4})$/u.exec(code);
  if (!match) return null;
  const [, dd, mm, yy, serial] = match as unknown as [string, string, string, string, string];
  const year = cprYear(Number(yy), Number(serial[0]));
  const day = Number(dd);
  const month = Number(mm);
  if (month < 1 || month > 12 || day < 1) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${dd}${mm}${yy}${serial}`;
}

/** The CPR office's century rule: the 7th digit and the two-digit year give the century. */
export function cprYear(yy: number, seventh: number): number {
  if (seventh <= 3) return 1900 + yy;
  if (seventh === 4 || seventh === 9) return yy <= 36 ? 2000 + yy : 1900 + yy;
  return yy <= 57 ? 2000 + yy : 1800 + yy;
}

function ean13Valid(code: string): boolean {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(code[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(code[12]);
}

/** For logs and the UI: what was scanned, with nothing personal in it. */
export function describeScan(result: ScanResult): string {
  switch (result.kind) {
    case 'cpr':
      return 'CPR ******-****';
    case 'library-card':
      return `library card ****${result.cardNumber.slice(-4)}`;
    case 'unsupported':
      return `unsupported code (${result.what})`;
    case 'invalid':
      return `invalid scan (${result.reason})`;
  }
}
