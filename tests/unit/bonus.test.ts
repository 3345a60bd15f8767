import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bonusFor, budgetLeft, ruleAmount, type BonusRule } from '../../server/domain/campaigns/bonus';

const rule = (over: Partial<BonusRule> = {}): BonusRule => ({
  bonusKind: 'percent', bonusBps: 2_000, bonusFixedCents: 0, bonusCapPerBuyerCents: 30_00, bonusBudgetCents: 2_000_00, bonusReservedCents: 0, bonusUsedCents: 0, ...over,
});

describe('sponsor bonus rule', () => {
  it('applies a percentage half-up to the cent, then the cap and the budget', () => {
    expect(ruleAmount(rule(), 12_33)).toBe(2_47); // 2,466 → 2,47
    expect(ruleAmount(rule({ bonusBps: 1_250 }), 1_00)).toBe(13); // 12,5 c → 13 c
    expect(bonusFor(rule(), 100_00, 0)).toBe(20_00);
    expect(bonusFor(rule(), 200_00, 0)).toBe(30_00); // per-buyer cap
    expect(bonusFor(rule(), 100_00, 25_00)).toBe(5_00); // what the cap leaves
    expect(bonusFor(rule({ bonusReservedCents: 1_990_00, bonusUsedCents: 7_00 }), 100_00, 0)).toBe(3_00); // what the budget leaves
    expect(bonusFor(rule({ bonusUsedCents: 2_000_00 }), 100_00, 0)).toBe(0);
    expect(bonusFor(rule({ bonusKind: 'fixed', bonusFixedCents: 5_00, bonusCapPerBuyerCents: null }), 10_00, 500_00)).toBe(5_00);
    expect(bonusFor(rule({ bonusKind: 'none' }), 100_00, 0)).toBe(0);
  });

  it('never exceeds the rule, the buyer cap nor the budget, and is whole cents', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<BonusRule['bonusKind']>('none', 'percent', 'fixed'),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 100_00 }),
        fc.option(fc.integer({ min: 0, max: 200_00 })),
        fc.integer({ min: 0, max: 5_000_00 }),
        fc.integer({ min: 0, max: 3_000_00 }),
        fc.integer({ min: 0, max: 3_000_00 }),
        fc.integer({ min: 0, max: 10_000_00 }),
        fc.integer({ min: 0, max: 300_00 }),
        (kind, bps, fixed, cap, budget, reserved, used, face, granted) => {
          const r = rule({ bonusKind: kind, bonusBps: bps, bonusFixedCents: fixed, bonusCapPerBuyerCents: cap, bonusBudgetCents: budget, bonusReservedCents: reserved, bonusUsedCents: used });
          const b = bonusFor(r, face, granted);
          expect(Number.isSafeInteger(b)).toBe(true);
          expect(b).toBeGreaterThanOrEqual(0);
          expect(b).toBeLessThanOrEqual(budgetLeft(r));
          expect(b).toBeLessThanOrEqual(ruleAmount(r, face));
          if (cap !== null) expect(granted + b).toBeLessThanOrEqual(Math.max(cap, granted));
          if (kind === 'percent') expect(ruleAmount(r, face)).toBe(Math.floor((face * bps + 5_000) / 10_000));
        },
      ),
    );
  });

  it('orders taken one after another never exceed budget nor cap together', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1_00, max: 600_00 })), { maxLength: 60 }), (orders) => {
        let r = rule({ bonusBudgetCents: 150_00 });
        const granted = new Map<number, number>();
        for (const [buyer, face] of orders) {
          const b = bonusFor(r, face, granted.get(buyer) ?? 0);
          granted.set(buyer, (granted.get(buyer) ?? 0) + b);
          r = { ...r, bonusReservedCents: r.bonusReservedCents + b };
        }
        expect(r.bonusReservedCents).toBeLessThanOrEqual(150_00);
        for (const g of granted.values()) expect(g).toBeLessThanOrEqual(30_00);
      }),
    );
  });
});
