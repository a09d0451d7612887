import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kronerNumberToOre, kronerTextToOre, MoneyFormatError, oreToKronerText } from '../../contract/index.js';
import { feesToClaims } from '../../integrations/fbs/claims.js';
import { FbsError } from '../../integrations/fbs/errors.js';
import { FeeList } from '../../integrations/fbs/models.js';
import { decodeFbs, parseFbsJson } from '../../integrations/fbs/wire.js';

/** The client's path from a fee list's text to claims: parse, decode, map. */
function claimsFromText(text: string) {
  return feesToClaims(decodeFbs(FeeList, parseFbsJson(text), 'fee list'));
}

/** Either claims, or a typed FBS error: anything else (a crash) fails the property. */
function outcome(text: string): 'claims' | 'bad-response' {
  try {
    claimsFromText(text);
    return 'claims';
  } catch (error) {
    if (error instanceof FbsError && error.code === 'bad-response') return 'bad-response';
    throw error;
  }
}

const ore = fc.integer({ min: 0, max: 1_000_000_000_000 });

/** A FeeV2 as JSON text; fields given as raw JSON so numbers keep their exact text. */
function feeJson(feeId: string, amountText: string, overrides: Record<string, string> = {}): string {
  const fields: Record<string, string> = {
    feeId,
    type: '"fee"',
    reasonMessage: '"x"',
    amount: amountText,
    creationDate: '"2024-01-01"',
    payableByClient: 'true',
    materials: '[]',
    ...overrides,
  };
  return `{${Object.entries(fields)
    .map(([k, v]) => `"${k}": ${v}`)
    .join(', ')}}`;
}

describe('amount conversion (property)', () => {
  it('round-trips every amount through wire text, doubles and exponent notation', () => {
    fc.assert(
      fc.property(ore, (n) => {
        expect(kronerTextToOre(oreToKronerText(n))).toBe(n);
        expect(kronerNumberToOre(n / 100)).toBe(n);
        expect(kronerTextToOre((n / 100).toExponential())).toBe(n);
        expect(kronerTextToOre(`${oreToKronerText(n)}000`)).toBe(n);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a third non-zero decimal instead of rounding', () => {
    fc.assert(
      fc.property(ore, fc.integer({ min: 1, max: 9 }), (n, digit) => {
        expect(() => kronerTextToOre(`${oreToKronerText(n)}${digit}`)).toThrow(MoneyFormatError);
      }),
    );
  });

  it('on any text, returns an exact amount or a typed error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[-+]?\d{0,8}(\.\d{0,4})?([eE][-+]?\d{1,3})?$/)), (text) => {
        let result: number;
        try {
          result = kronerTextToOre(text);
        } catch (error) {
          expect(error).toBeInstanceOf(MoneyFormatError);
          return;
        }
        expect(Number.isSafeInteger(result)).toBe(true);
        // Whatever was accepted is the same amount, to the øre.
        expect(Math.abs(Number(text) * 100 - result)).toBeLessThan(1e-6 * Math.max(1, Math.abs(result)));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('hostile JSON from FBS (property)', () => {
  it('any text: claims or a bad-response error, never a crash', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => void outcome(text)),
      { numRuns: 3000 },
    );
  });

  it('any JSON value: claims or a bad-response error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => void outcome(JSON.stringify(value))),
      { numRuns: 3000 },
    );
  });

  it('valid fee lists map to the exact øre FBS sent, ids unrounded', () => {
    const fee = fc.record({
      feeId: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }),
      ore: fc.integer({ min: 1, max: 100_000_000 }),
      style: fc.constantFrom('plain', 'exponent', 'trailing-zeros'),
    });
    fc.assert(
      fc.property(fc.uniqueArray(fee, { selector: (f) => f.feeId, maxLength: 8 }), (fees) => {
        const texts = fees.map(({ feeId, ore: n, style }) => {
          const amount =
            style === 'plain'
              ? String(n / 100)
              : style === 'exponent'
                ? (n / 100).toExponential()
                : `${oreToKronerText(n)}0`;
          return feeJson(String(feeId), amount);
        });
        const claims = claimsFromText(`[${texts.join(',')}]`);
        const expected = new Map(fees.map((f) => [String(f.feeId), f.ore]));
        expect(claims).toHaveLength(fees.length);
        for (const claim of claims) expect(claim.amountOre).toBe(expected.get(claim.feeId));
      }),
      { numRuns: 500 },
    );
  });

  it('a fee list with one broken field is refused whole', () => {
    const breakers: Record<string, string>[] = [
      { amount: '-1' },
      { amount: '"12"' },
      { amount: 'null' },
      { feeId: '1.5' },
      { feeId: '"7"' },
      { feeId: '99999999999999999999' },
      { creationDate: '"yesterday"' },
      { materials: '{}' },
      { payableByClient: '"yes"' },
    ];
    fc.assert(
      fc.property(fc.constantFrom(...breakers), fc.integer({ min: 0, max: 3 }), (breaker, position) => {
        const fees = [1, 2, 3, 4].map((i) => feeJson(String(i), '10', i === position + 1 ? breaker : {}));
        expect(outcome(`[${fees.join(',')}]`)).toBe('bad-response');
      }),
    );
    // The same list without a breaker is fine: the refusals above are the breakers' doing.
    expect(outcome(`[${[1, 2, 3, 4].map((i) => feeJson(String(i), '10')).join(',')}]`)).toBe('claims');
  });

  it('an amount that is not whole øre makes only that fee not payable: never rounded, the rest payable', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 99_999 }),
        fc.integer({ min: 1, max: 9 }),
        (position, kroner, extra) => {
          const amount = `${kroner}.${String(kroner % 100).padStart(2, '0')}${extra}`; // three decimals
          const fees = [1, 2, 3, 4].map((i) => feeJson(String(i), i === position + 1 ? amount : '10'));
          const claims = claimsFromText(`[${fees.join(',')}]`);
          for (const claim of claims) {
            if (claim.feeId === String(position + 1))
              expect(claim).toMatchObject({ route: 'not-payable', amountOre: 0, amountUnreadable: true });
            else expect(claim).toMatchObject({ route: 'fbs', amountOre: 1000 });
          }
        },
      ),
    );
  });

  it('absurd nesting and duplicate keys are refused, not crashes', () => {
    expect(outcome('['.repeat(100_000) + ']'.repeat(100_000))).toBe('bad-response');
    expect(outcome(`[${feeJson('1', '10').replace('"type": "fee"', '"type": "fee", "type": "compensation"')}]`)).toBe(
      'bad-response',
    );
  });
});
