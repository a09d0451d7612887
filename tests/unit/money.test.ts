import { describe, expect, it } from 'vitest';
import {
  formatDkk,
  kronerNumberToOre,
  kronerTextToOre,
  MoneyFormatError,
  oreToKronerText,
  sumOre,
} from '../../contract/index.js';

describe('money', () => {
  it('formats øre as Danish kroner', () => {
    expect(formatDkk(123450)).toBe('1.234,50 kr.');
    expect(formatDkk(5)).toBe('0,05 kr.');
    expect(formatDkk(100)).toBe('1,00 kr.');
    expect(formatDkk(123456789)).toBe('1.234.567,89 kr.');
    expect(formatDkk(-2550)).toBe('-25,50 kr.');
    expect(formatDkk(0)).toBe('0,00 kr.');
  });

  it('converts kroner doubles to øre exactly, including ones that are not exact in binary', () => {
    expect(kronerNumberToOre(12.35)).toBe(1235);
    expect(kronerNumberToOre(0.3)).toBe(30);
    expect(kronerNumberToOre(19.99)).toBe(1999);
    expect(kronerNumberToOre(1234.5)).toBe(123450);
  });

  it('refuses amounts that would need rounding, and non-finite numbers', () => {
    expect(() => kronerNumberToOre(0.1 + 0.2)).toThrow(MoneyFormatError); // 0.30000000000000004
    expect(() => kronerNumberToOre(12.345)).toThrow(MoneyFormatError);
    expect(() => kronerNumberToOre(Number.NaN)).toThrow(MoneyFormatError);
    expect(() => kronerNumberToOre(Number.POSITIVE_INFINITY)).toThrow(MoneyFormatError);
    expect(() => kronerNumberToOre(1e21)).toThrow(MoneyFormatError);
  });

  it('parses and prints wire kroner text', () => {
    expect(kronerTextToOre('125')).toBe(12500);
    expect(kronerTextToOre('125.5')).toBe(12550);
    expect(kronerTextToOre('125.05')).toBe(12505);
    expect(kronerTextToOre('-3.10')).toBe(-310);
    expect(kronerTextToOre('12.350')).toBe(1235);
    expect(kronerTextToOre('1.5E2')).toBe(15000);
    expect(kronerTextToOre('1.25e1')).toBe(1250);
    expect(kronerTextToOre('125E-2')).toBe(125);
    expect(kronerTextToOre('+0.5')).toBe(50);
    expect(kronerTextToOre('-0.00')).toBe(0);
    expect(kronerTextToOre('1.2345E2')).toBe(12345);
    expect(() => kronerTextToOre('1.23456E2')).toThrow(/more than two decimals/);
    expect(() => kronerTextToOre('1E-7')).toThrow(/more than two decimals/);
    expect(() => kronerTextToOre('1E30')).toThrow(/out of range/);
    expect(() => kronerTextToOre('.')).toThrow(MoneyFormatError);
    expect(() => kronerTextToOre('NaN')).toThrow(MoneyFormatError);
    expect(() => kronerTextToOre('12,50')).toThrow(MoneyFormatError);
    expect(() => kronerTextToOre('1.2.3')).toThrow(MoneyFormatError);
    expect(() => kronerTextToOre('')).toThrow(MoneyFormatError);
    expect(oreToKronerText(12550)).toBe('125.50');
    expect(oreToKronerText(5)).toBe('0.05');
    expect(oreToKronerText(-310)).toBe('-3.10');
  });

  it('round-trips every amount up to 100.000 kr. through wire text', () => {
    for (let ore = 0; ore <= 10_000_000; ore += 997) {
      expect(kronerTextToOre(oreToKronerText(ore))).toBe(ore);
      expect(kronerNumberToOre(Number(oreToKronerText(ore)))).toBe(ore);
    }
  });

  it('sums with overflow protection', () => {
    expect(sumOre([100, 250, 5])).toBe(355);
    expect(() => sumOre([Number.MAX_SAFE_INTEGER, 1])).toThrow(MoneyFormatError);
  });
});
