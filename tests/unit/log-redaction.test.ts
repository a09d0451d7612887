import { describe, expect, it } from 'vitest';
import { luhnValid, maskSensitiveText } from '../../base/redact.js';
import { memoryLogger } from '../support/fixtures.js';

const CPR = '0101901234';
const CPR_DASHED = '010190-1234';
const PAN = '4111111111111111'; // Luhn-valid test card
const LIBRARY_CARD = '3200123456789';
const PIN = '4827';
const PASSWORD = 'hunter2-secret';

describe('log redaction', () => {
  it('never writes PINs, passwords, CPR or card numbers, whatever field or message they hide in', () => {
    const { log, lines } = memoryLogger();
    log.info({ pin: PIN, pincode: PIN, libraryCardNumber: LIBRARY_CARD }, 'login attempt');
    log.info({ request: { body: { pincode: PIN, libraryCardNumber: CPR } } }, 'nested');
    log.info({ fbs: { password: PASSWORD, sessionKey: 'sess-abc-123' } }, 'fbs login');
    log.warn(`borrower ${CPR_DASHED} not found`);
    log.warn({ detail: `card ${PAN} was used` }, 'free text field');
    log.error({ err: new Error(`lookup failed for ${CPR}`) }, 'error with cpr');
    log.info({ list: [{ cpr: CPR }, `x ${PAN.replace(/(\d{4})/g, '$1 ').trim()} y`] }, 'arrays');
    const output = lines().join('\n');
    expect(lines()).toHaveLength(7);
    for (const secret of [CPR, CPR_DASHED, PAN, LIBRARY_CARD, PASSWORD, 'sess-abc-123', '4111 1111 1111 1111']) {
      expect(output).not.toContain(secret);
    }
    expect(output).not.toMatch(/"pin(code)?":"4827"/);
    // Staff can still match a case by the last four digits.
    expect(output).toContain('****6789');
    expect(output).toContain('****1111');
    expect(output).toContain('******-****');
    // Errors keep their message and stack, masked.
    expect(output).toContain('lookup failed for ******-****');
    expect(output).toContain(`"type":"Error"`);
    expect(output).toContain('"stack":"Error: lookup failed for ******-****');
  });

  it('leaves ordinary numbers alone', () => {
    expect(maskSensitiveText('amount 12500 øre, fee 987654, 2026-11-21')).toBe(
      'amount 12500 øre, fee 987654, 2026-11-21',
    );
    // 10 digits that cannot be a date are not CPR; 16 digits failing Luhn are not a card.
    expect(maskSensitiveText('ref 9999999999 and 1234567812345678')).toBe('ref 9999999999 and 1234567812345678');
  });

  it('checks Luhn correctly', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
  });
});
