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

const KRONER_TEXT = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

/**
 * Converts a decimal kroner string ("125", "125.5", "125.50") to øre exactly.
 * Refuses anything that would need rounding: money is never rounded silently.
 */
export function kronerTextToOre(text: string): Ore {
  const match = KRONER_TEXT.exec(text.trim());
  if (!match) {
    throw new MoneyFormatError(`not a kroner amount with at most two decimals: "${text}"`);
  }
  const [, minus, whole, fraction = ''] = match;
  const ore = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  if (!Number.isSafeInteger(ore)) throw new MoneyFormatError(`amount out of range: "${text}"`);
  return minus ? -ore : ore;
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
