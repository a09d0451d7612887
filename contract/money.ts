import { z } from 'zod';

/**
 * Money is an integer number of øre (1 kr. = 100 øre), always DKK.
 * Kroner only exist at the edges: parsing a remote amount, formatting for a person.
 */
export const Ore = z.number().int().safe();
export type Ore = z.infer<typeof Ore>;

export const Currency = z.literal('DKK');
export type Currency = z.infer<typeof Currency>;

export const Money = z.object({ ore: Ore, currency: Currency }).strict();
export type Money = z.infer<typeof Money>;

/** A strictly positive amount: what a claim or a payment can be. */
export const PositiveOre = Ore.refine((n) => n > 0, { message: 'amount must be more than 0 øre' });

export class MoneyFormatError extends Error {
  override name = 'MoneyFormatError';
}

// A decimal number as JSON, XML Schema or Java print it: sign, digits, fraction, exponent.
const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/;

/**
 * Converts decimal kroner text ("125", "125.5", "12.350", "1.5E2") to øre exactly, by moving
 * the decimal point in the digits rather than through floating point. Refuses anything that
 * would need rounding: money is never rounded silently.
 */
export function kronerTextToOre(text: string): Ore {
  const match = DECIMAL_TEXT.exec(text.trim());
  const [, sign, whole = '', fraction = '', exponent = '0'] = match ?? [];
  if (!match || (whole === '' && fraction === '')) {
    throw new MoneyFormatError(`not a kroner amount: "${text}"`);
  }
  const digits = whole + fraction;
  // Where the decimal point falls in `digits` once the amount is scaled to øre (× 100).
  const point = whole.length + Number(exponent) + 2;
  const oreDigits = point <= 0 ? '' : digits.slice(0, point).padEnd(point, '0');
  const rest = point <= 0 ? digits : digits.slice(Math.max(point, 0));
  if (/[1-9]/.test(rest)) throw new MoneyFormatError(`more than two decimals (would need rounding): "${text}"`);
  const ore = Number(oreDigits.replace(/^0+/, '') || '0');
  if (!Number.isSafeInteger(ore)) throw new MoneyFormatError(`amount out of range: "${text}"`);
  return sign === '-' && ore !== 0 ? -ore : ore;
}

/**
 * Converts a kroner amount that arrived as a JSON number (FBS sends doubles) to øre.
 * A double such as 12.35 is really 12.3499999…; we accept it only if the shortest
 * decimal representation JavaScript prints has at most two decimals.
 */
export function kronerNumberToOre(kroner: number): Ore {
  if (!Number.isFinite(kroner)) throw new MoneyFormatError(`amount is not a finite number: ${kroner}`);
  // String() gives exponent notation below 1e-6 and from 1e21; the parser refuses those.
  return kronerTextToOre(String(kroner));
}

/** Øre to a plain decimal kroner string for wire formats ("1234.50"). */
export function oreToKronerText(ore: Ore): string {
  Ore.parse(ore);
  const sign = ore < 0 ? '-' : '';
  const abs = Math.abs(ore);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Øre to Danish display text: 123450 → "1.234,50 kr.". */
export function formatDkk(ore: Ore): string {
  Ore.parse(ore);
  const sign = ore < 0 ? '-' : '';
  const abs = Math.abs(ore);
  const whole = String(Math.trunc(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${sign}${whole},${String(abs % 100).padStart(2, '0')} kr.`;
}

export function sumOre(amounts: readonly Ore[]): Ore {
  let total = 0;
  for (const amount of amounts) {
    total += amount;
    if (!Number.isSafeInteger(total)) throw new MoneyFormatError('sum out of range');
  }
  return total;
}
