import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CODE_ALPHABET, CODE_LENGTH, formatCode, generateCode, parseCode } from '../../server/lib/codes';

describe('voucher codes', () => {
  it('uses an alphabet without look-alike characters', () => {
    for (const ch of '01ILO') expect(CODE_ALPHABET).not.toContain(ch);
    expect(new Set(CODE_ALPHABET).size).toBe(CODE_ALPHABET.length);
  });

  it('carries at least 80 bits of randomness', () => {
    expect((CODE_LENGTH - 1) * Math.log2(CODE_ALPHABET.length)).toBeGreaterThanOrEqual(80);
  });

  it('generates valid, distinct codes, grouped by four for reading aloud', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const code = generateCode();
      expect(parseCode(code)).toEqual({ ok: true, code });
      seen.add(code);
    }
    expect(seen.size).toBe(5000);
    expect(formatCode(generateCode())).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){4}$/);
  });

  it('spreads symbols uniformly (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) for (const ch of generateCode().slice(0, -1)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    const expected = (4000 * (CODE_LENGTH - 1)) / CODE_ALPHABET.length;
    for (const ch of CODE_ALPHABET) expect(Math.abs(counts.get(ch)! - expected) / expected).toBeLessThan(0.1);
  });

  it('accepts input in any case, with or without dashes and spaces', () => {
    const code = generateCode();
    expect(parseCode(formatCode(code).toLowerCase())).toEqual({ ok: true, code });
    expect(parseCode(` ${formatCode(code).replace(/-/g, ' ')} `)).toEqual({ ok: true, code });
  });

  it('tells a mistyped code (bad check) from a malformed one', () => {
    expect(parseCode('ABC')).toEqual({ ok: false, reason: 'malformed' });
    expect(parseCode('0'.repeat(CODE_LENGTH))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('detects every single wrong symbol', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: CODE_LENGTH - 1 }), fc.integer({ min: 1, max: CODE_ALPHABET.length - 1 }), (pos, shift) => {
        const code = generateCode();
        const i = CODE_ALPHABET.indexOf(code[pos]!);
        const typo = code.slice(0, pos) + CODE_ALPHABET[(i + shift) % CODE_ALPHABET.length] + code.slice(pos + 1);
        expect(parseCode(typo)).toEqual({ ok: false, reason: 'bad_check' });
      }),
    );
  });

  it('detects every swap of two different adjacent symbols', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: CODE_LENGTH - 2 }), (pos) => {
        const code = generateCode();
        fc.pre(code[pos] !== code[pos + 1]);
        const swapped = code.slice(0, pos) + code[pos + 1] + code[pos] + code.slice(pos + 2);
        expect(parseCode(swapped)).toEqual({ ok: false, reason: 'bad_check' });
      }),
    );
  });
});
