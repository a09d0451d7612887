import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json';
import { z } from 'zod';
import { kronerTextToOre, MoneyFormatError } from '../../contract/index.js';
import { FbsError } from './errors.js';
import { messageOf } from '../../base/errors.js';

/**
 * FBS's JSON, read without losing a digit. Ids are int64 and amounts are doubles; JSON.parse
 * would round ids above 2^53 and turn 12.35 into a binary fraction. lossless-json keeps every
 * number as its literal text, so ids stay exact strings and amounts are converted to øre from
 * the digits FBS sent.
 */
export function parseFbsJson(text: string): unknown {
  try {
    return parse(text);
  } catch (error) {
    // Syntax errors, and RangeError from absurd nesting: either way, not trustworthy.
    throw new FbsError('bad-response', `FBS sent malformed JSON: ${messageOf(error).slice(0, 200)}`);
  }
}

export function stringifyFbsJson(value: unknown): string {
  const text = stringify(value);
  if (text === undefined) throw new Error('nothing to send');
  return text;
}

/** An int64 id as FBS sends it, written back as a JSON number without rounding. */
export function int64(id: string): LosslessNumber {
  return new LosslessNumber(id);
}

const jsonNumber = z.custom<LosslessNumber>((v) => isLosslessNumber(v), 'expected a number');

/** Any JSON number, as read (for a fallback when a stricter reading fails). */
export const WireNumber = jsonNumber;

/** An int64 JSON number, as a decimal string. */
export const WireInt64 = jsonNumber
  .transform((n) => n.value)
  .pipe(z.string().regex(/^-?\d{1,19}$/, 'expected an integer'));

/** A kroner amount JSON number, as exact øre. Refuses what would need rounding. */
export const WireKronerAsOre = jsonNumber.transform((n, ctx) => {
  try {
    return kronerTextToOre(n.value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof MoneyFormatError ? error.message : String(error) });
    return z.NEVER;
  }
});

/** Parses a response with a schema; a mismatch is FBS's fault, reported as bad-response. */
export function decodeFbs<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new FbsError('bad-response', `unexpected ${what} from FBS${where}: ${issue?.message ?? 'invalid'}`);
}
