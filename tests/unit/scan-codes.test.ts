import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileCardPatterns,
  cprYear,
  DEFAULT_LIBRARY_CARD_PATTERNS,
  describeScan,
  MAX_CODE_LENGTH,
  parseScan,
} from '../../devices/scanner/codes.js';
import { parseConfig } from '../../config/config.js';
import { memoryLogger } from '../support/fixtures.js';

const rules = { libraryCardPatterns: compileCardPatterns(DEFAULT_LIBRARY_CARD_PATTERNS) };
const parse = (code: string) => parseScan(code, rules);

describe('scanned codes', () => {
  it('reads a CPR from the health card, with or without the dash, and without a mod-11 check', () => {
    expect(parse('0101901234')).toEqual({ kind: 'cpr', cpr: '0101901234' });
    expect(parse('010190-1234')).toEqual({ kind: 'cpr', cpr: '0101901234' });
    // Fails mod-11 (weights 4,3,2,7,6,5,4,3,2,1): valid all the same since 2007.
    expect(parse('0101901235')).toEqual({ kind: 'cpr', cpr: '0101901235' });
  });

  it('checks the date in the century the 7th digit gives', () => {
    expect(cprYear(90, 1)).toBe(1990);
    expect(cprYear(10, 4)).toBe(2010);
    expect(cprYear(40, 4)).toBe(1940);
    expect(cprYear(57, 5)).toBe(2057);
    expect(cprYear(58, 8)).toBe(1858);
    expect(cprYear(36, 9)).toBe(2036);
    expect(cprYear(37, 9)).toBe(1937);
    // 29 February: 2000 was a leap year (7th digit 4), 1900 was not (7th digit 1).
    expect(parse('2902004234')).toMatchObject({ kind: 'cpr' });
    expect(parse('2902001234').kind).not.toBe('cpr');
    expect(parse('3102901234').kind).not.toBe('cpr');
    expect(parse('0113901234').kind).not.toBe('cpr');
    expect(parse('0001901234').kind).not.toBe('cpr');
  });

  it("takes the installation's library card patterns", () => {
    expect(parse('1000000004')).toEqual({ kind: 'library-card', cardNumber: '1000000004' });
    expect(parse('  1000000004\r\n'.trim())).toMatchObject({ kind: 'library-card' });
    const letters = { libraryCardPatterns: compileCardPatterns(['^LK[0-9]{8}$']) };
    expect(parseScan('LK12345678', letters)).toEqual({ kind: 'library-card', cardNumber: 'LK12345678' });
    expect(parseScan('1000000004', letters)).toMatchObject({ kind: 'unsupported', what: 'unknown' });
    expect(() => parseConfig({ scanner: { libraryCardPatterns: ['(['] } })).toThrow(
      /scanner\.libraryCardPatterns\.0: not a valid regular expression/,
    );
  });

  it('recognises codes scanned by mistake and says so with a message key', () => {
    expect(parse('+71<000000001234567 +12345678<')).toEqual({
      kind: 'unsupported',
      what: 'payment-slip',
      messageKey: 'scan.unsupported.paymentSlip',
    });
    expect(parse('9788702173253')).toMatchObject({ what: 'isbn', messageKey: 'scan.unsupported.book' });
    // A wrong check digit is no ISBN: here it is just digits, which the default pattern takes as a card.
    expect(parse('9788702173254')).toMatchObject({ kind: 'library-card' });
    expect(parse('ABC-123')).toMatchObject({ what: 'unknown', messageKey: 'scan.unsupported.unknown' });
  });

  it('refuses empty, over-long and control-character scans with a clear reason', () => {
    expect(parse('   ')).toMatchObject({ kind: 'invalid', reason: 'empty', messageKey: 'scan.invalid.empty' });
    expect(parse('1'.repeat(MAX_CODE_LENGTH + 1))).toMatchObject({ kind: 'invalid', reason: 'too-long' });
    expect(parse('1'.repeat(100_000))).toMatchObject({ kind: 'invalid', reason: 'too-long' });
    expect(parse('1000\u00000004')).toMatchObject({ kind: 'invalid', reason: 'control-characters' });
  });
});

/** Any real date with a 7th digit that puts it in its century, as a CPR. */
const anyCpr = fc
  .tuple(fc.date({ min: new Date('1858-01-01'), max: new Date('2057-12-31'), noInvalidDate: true }), fc.nat(999))
  .map(([date, rest]) => {
    const year = date.getUTCFullYear();
    const yy = year % 100;
    const seventh = year < 1900 ? 5 : year < 2000 ? (yy >= 58 ? [0, 1, 2, 3][rest % 4]! : 2) : yy <= 36 ? 4 : 5;
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${pad(date.getUTCDate())}${pad(date.getUTCMonth() + 1)}${pad(yy)}${seventh}${String(rest).padStart(3, '0')}`;
  });

describe('scanned codes, properties', () => {
  it('never throws and always answers with a known kind', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[0-9-]{0,20}$/)), (raw) => {
        const result = parse(raw);
        expect(['library-card', 'cpr', 'unsupported', 'invalid']).toContain(result.kind);
      }),
      { numRuns: 5_000 },
    );
  });

  it('reads every valid CPR as a CPR', () => {
    fc.assert(
      fc.property(anyCpr, (cpr) => {
        expect(parse(cpr)).toEqual({ kind: 'cpr', cpr });
      }),
      { numRuns: 2_000 },
    );
  });

  it('never lets a CPR into a log line, whether described or logged raw', () => {
    const { log, lines } = memoryLogger('info');
    fc.assert(
      fc.property(anyCpr, fc.boolean(), (cpr, dashed) => {
        const raw = dashed ? `${cpr.slice(0, 6)}-${cpr.slice(6)}` : cpr;
        const result = parse(raw);
        log.info({ scan: describeScan(result) }, 'scanned');
        // Even a careless log call with the raw code and the code in a field is masked.
        log.info({ code: raw, detail: `scan ${raw} read` }, `code ${raw}`);
      }),
      { numRuns: 500 },
    );
    const output = lines().join('\n');
    expect(output).not.toMatch(/(?<!\d)\d{6}-?\d{4}(?!\d)/);
    expect(lines().length).toBe(1_000);
  });
});
