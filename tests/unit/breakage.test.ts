import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertBalanced } from '../../server/domain/ledger/accounts';
import { allocateProRata, breakageLines } from '../../server/domain/vouchers/breakage';

const amounts = (shares: { key: string; amountCents: number }[]) => Object.fromEntries(shares.map((s) => [s.key, s.amountCents]));

describe('pro-rata allocation (largest remainder)', () => {
  it('gives the leftover cents to the largest remainders', () => {
    // 1000 × 1/6 = 166.67, × 2/6 = 333.33, × 3/6 = 500: one cent left, to the ⅔ remainder.
    expect(amounts(allocateProRata(1000, [{ key: 'b', weight: 2 }, { key: 'a', weight: 1 }, { key: 'c', weight: 3 }]))).toEqual({ a: 167, b: 333, c: 500 });
  });

  it('breaks ties by key, whatever the input order', () => {
    const weights = [{ key: 'm3', weight: 1 }, { key: 'm1', weight: 1 }, { key: 'm2', weight: 1 }];
    expect(allocateProRata(100, weights)).toEqual([{ key: 'm1', amountCents: 34 }, { key: 'm2', amountCents: 33 }, { key: 'm3', amountCents: 33 }]);
    expect(allocateProRata(101, [...weights].reverse())).toEqual([{ key: 'm1', amountCents: 34 }, { key: 'm2', amountCents: 34 }, { key: 'm3', amountCents: 33 }]);
  });

  it('leaves out zero weights and refuses when every weight is zero', () => {
    expect(allocateProRata(500, [{ key: 'a', weight: 0 }, { key: 'b', weight: 7 }])).toEqual([{ key: 'b', amountCents: 500 }]);
    expect(() => allocateProRata(500, [{ key: 'a', weight: 0 }])).toThrow();
    expect(() => allocateProRata(500, [])).toThrow();
  });

  it('refuses negative or non-integer amounts', () => {
    expect(() => allocateProRata(-1, [{ key: 'a', weight: 1 }])).toThrow();
    expect(() => allocateProRata(1.5, [{ key: 'a', weight: 1 }])).toThrow();
    expect(() => allocateProRata(10, [{ key: 'a', weight: -1 }])).toThrow();
  });

  it('stays exact where doubles would not (total × weight beyond 2^53)', () => {
    const shares = allocateProRata(9_000_000_000_000, [{ key: 'a', weight: 3_000_000_001 }, { key: 'b', weight: 6_000_000_002 }]);
    expect(amounts(shares)).toEqual({ a: 3_000_000_000_000, b: 6_000_000_000_000 });
  });

  const weightsArb = fc.uniqueArray(fc.record({ key: fc.string({ minLength: 1, maxLength: 6 }), weight: fc.integer({ min: 0, max: 10_000_000_000 }) }), {
    minLength: 1,
    maxLength: 30,
    selector: (w) => w.key,
  }).filter((ws) => ws.some((w) => w.weight > 0));

  it('property: shares sum exactly to the total, are ≥ 0, within one cent of proportional, and do not depend on input order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000_00 }), weightsArb, (total, weights) => {
        const shares = allocateProRata(total, weights);
        expect(shares.reduce((s, x) => s + x.amountCents, 0)).toBe(total);
        const sum = weights.reduce((s, w) => s + BigInt(w.weight), 0n);
        for (const s of shares) {
          expect(s.amountCents).toBeGreaterThanOrEqual(0);
          const w = BigInt(weights.find((x) => x.key === s.key)!.weight);
          // |share − total·w/Σw| < 1  ⇔  |share·Σw − total·w| < Σw (exact, in integers).
          const gap = BigInt(s.amountCents) * sum - BigInt(total) * w;
          expect(gap < sum && -gap < sum).toBe(true);
        }
        expect(allocateProRata(total, [...weights].reverse())).toEqual(shares);
      }),
      { numRuns: 500 },
    );
  });
});

describe('breakage journal lines', () => {
  it('operator: the liability goes down, breakage revenue up', () => {
    const p = breakageLines('operator', 'camp1', 1234, []);
    expect(p).toEqual({ fallback: false, lines: [{ account: 'voucher_liability', amountCents: 1234 }, { account: 'breakage_revenue', amountCents: -1234 }] });
  });

  it('sponsor: owed back to the campaign’s sponsor', () => {
    expect(breakageLines('sponsor', 'camp1', 500, []).lines).toEqual([{ account: 'voucher_liability', amountCents: 500 }, { account: 'sponsor_payable:camp1', amountCents: -500 }]);
  });

  it('merchants: split pro rata to redemptions, zero shares left out', () => {
    const p = breakageLines('merchants', 'camp1', 1000, [{ key: 'm2', weight: 3000 }, { key: 'm1', weight: 1000 }, { key: 'm3', weight: 0 }]);
    expect(p).toEqual({
      fallback: false,
      lines: [{ account: 'voucher_liability', amountCents: 1000 }, { account: 'merchant_payable:m1', amountCents: -250 }, { account: 'merchant_payable:m2', amountCents: -750 }],
    });
    // One cent among three shops: only one line gets it.
    expect(breakageLines('merchants', 'camp1', 1, [{ key: 'a', weight: 1 }, { key: 'b', weight: 1 }, { key: 'c', weight: 1 }]).lines).toHaveLength(2);
  });

  it('merchants with no redemption in the campaign: falls back to breakage revenue, and says so', () => {
    expect(breakageLines('merchants', 'camp1', 700, [])).toEqual({ fallback: true, lines: [{ account: 'voucher_liability', amountCents: 700 }, { account: 'breakage_revenue', amountCents: -700 }] });
    expect(breakageLines('merchants', 'camp1', 700, [{ key: 'm', weight: 0 }]).fallback).toBe(true);
  });

  it('property: every rule gives a balanced journal', () => {
    fc.assert(
      fc.property(fc.constantFrom('operator' as const, 'sponsor' as const, 'merchants' as const), fc.integer({ min: 1, max: 10_000_000_00 }), fc.array(fc.integer({ min: 0, max: 1_000_000_00 }), { maxLength: 12 }), (rule, total, ws) => {
        const p = breakageLines(rule, 'c', total, ws.map((weight, i) => ({ key: `m${i}`, weight })));
        assertBalanced(p.lines);
        expect(p.lines[0]).toEqual({ account: 'voucher_liability', amountCents: total });
        expect(p.lines.slice(1).every((l) => l.amountCents < 0)).toBe(true);
      }),
    );
  });

  it('refuses to post nothing', () => {
    expect(() => breakageLines('operator', 'c', 0, [])).toThrow();
  });
});
