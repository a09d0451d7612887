/**
 * Masks personal and card data in text before it can reach a log: CPR numbers (the health card
 * number, DDMMYY-SSSS) and payment card numbers (13–19 digits passing Luhn). Library card
 * numbers and PINs are caught by field name in log.ts, since they have no universal shape.
 */

// DDMMYY, optional dash or space, 4 digits; not part of a longer digit run.
const CPR_PATTERN = /(?<!\d)(\d{2})(\d{2})(\d{2})[- ]?(\d{4})(?!\d)/g;
const PAN_CANDIDATE = /(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)/g;

function looksLikeCprDate(day: string, month: string): boolean {
  const d = Number(day);
  const m = Number(month);
  // Day 61–91 is the substitute-CPR convention (day + 60); accept both.
  return m >= 1 && m <= 12 && ((d >= 1 && d <= 31) || (d >= 61 && d <= 91));
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function maskSensitiveText(text: string): string {
  return text
    .replace(PAN_CANDIDATE, (match) => {
      const digits = match.replace(/[ -]/g, '');
      return luhnValid(digits) ? `****${digits.slice(-4)}` : match;
    })
    .replace(CPR_PATTERN, (match, day: string, month: string) =>
      looksLikeCprDate(day, month) ? '******-****' : match,
    );
}

/** Shows only the last four characters: for card numbers named as such. */
export function maskIdentifier(value: unknown): string {
  const text = String(value);
  return text.length <= 4 ? '****' : `****${text.slice(-4)}`;
}
