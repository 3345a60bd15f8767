import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatMoney, formatMoneyShort, parseEuroAmount, percentOf, cents } from '../../server/lib/money';

describe('parseEuroAmount', () => {
  it.each([
    ['12', 1200],
    ['12,5', 1250],
    ['12,50', 1250],
    ['12.50', 1250],
    ['0,01', 1],
    [' 150 ', 15000],
    ['1 234,50 €', 123450],
    ['1\u202f234,50\u00a0€', 123450],
    ['€ 20', 2000],
    ['20 EUR', 2000],
    ['20€', 2000],
  ])('parses %j exactly as %i cents', (input, expected) => {
    expect(parseEuroAmount(input)).toBe(expected);
  });

  it.each(['', 'abc', '12,345', '12.3.4', '-5', '1e3', '12,', ',50', '1 23,00', '0x10', '12 50', 'Infinity', '99999999999999'])('rejects %j', (input) => {
    expect(parseEuroAmount(input)).toBeNull();
  });

  it('round-trips every cent amount through its French formatting', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_00 }), (n) => {
        expect(parseEuroAmount(formatMoney(n, 'fr'))).toBe(n);
      }),
    );
  });
});

describe('formatMoney', () => {
  it('prints French amounts with a space thousands separator and a comma', () => {
    expect(formatMoney(123450, 'fr').replace(/[\u202f\u00a0]/g, ' ')).toBe('1 234,50 €');
    expect(formatMoney(5, 'fr').replace(/\u00a0/g, ' ')).toBe('0,05 €');
  });
  it('prints English amounts', () => {
    expect(formatMoney(123450, 'en')).toBe('€1,234.50');
  });
  it('prints whole euros without decimals in the short form', () => {
    expect(formatMoneyShort(5000, 'fr').replace(/\u00a0/g, ' ')).toBe('50 €');
    expect(formatMoneyShort(1250, 'fr').replace(/\u00a0/g, ' ')).toBe('12,50 €');
  });
});

describe('cents and percentOf', () => {
  it('refuses non-integers', () => {
    expect(() => cents(1.5)).toThrow();
    expect(() => cents(Number.MAX_SAFE_INTEGER + 1)).toThrow();
  });
  it('rounds basis points half-up to the cent', () => {
    expect(percentOf(cents(1050), 300)).toBe(32); // 31.5 → 32
    expect(percentOf(cents(1049), 300)).toBe(31); // 31.47 → 31
    expect(percentOf(cents(10000), 2000)).toBe(2000);
  });
});
