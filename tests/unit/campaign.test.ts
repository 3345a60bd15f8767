import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkOrder, isAllowedAmount, progress, share, type Campaign } from '../../server/domain/campaigns/campaign';

const campaign = {
  status: 'active',
  startsAt: '2026-01-01T00:00:00Z',
  endsAt: '2027-01-01T00:00:00Z',
  denominationsCents: [1000, 2000, 5000],
  minAmountCents: 1000,
  maxAmountCents: 15000,
  maxVouchersPerOrder: 50,
  maxOrderCentsIndividual: 150000,
  targetCents: 6000000,
  soldCents: 0,
  redeemedCents: 0,
} as unknown as Campaign;
const now = new Date('2026-11-23T12:00:00Z');

describe('campaign rules', () => {
  it('allows denominations and free amounts within bounds only', () => {
    expect(isAllowedAmount(campaign, 2000)).toBe(true);
    expect(isAllowedAmount(campaign, 1250)).toBe(true);
    expect(isAllowedAmount(campaign, 999)).toBe(false);
    expect(isAllowedAmount(campaign, 15001)).toBe(false);
    expect(isAllowedAmount(campaign, 12.5)).toBe(false);
    expect(isAllowedAmount(campaign, -2000)).toBe(false);
  });

  it('totals an order', () => {
    expect(checkOrder(campaign, 'individual', [{ amountCents: 2000, quantity: 2 }, { amountCents: 1250, quantity: 1 }], now)).toEqual({ ok: true, totalCents: 5250, voucherCount: 3 });
  });

  it('applies per-order limits to individuals', () => {
    expect(checkOrder(campaign, 'individual', [{ amountCents: 1000, quantity: 51 }], now)).toMatchObject({ ok: false, reason: 'too_many_vouchers', max: 50 });
    expect(checkOrder(campaign, 'individual', [{ amountCents: 5000, quantity: 31 }], now)).toMatchObject({ ok: false, reason: 'order_too_large' });
    expect(checkOrder(campaign, 'municipality', [{ amountCents: 5000, quantity: 100 }], now)).toMatchObject({ ok: true });
  });

  it('refuses sales outside the campaign dates or status', () => {
    expect(checkOrder(campaign, 'individual', [{ amountCents: 1000, quantity: 1 }], new Date('2027-01-01T00:00:00Z'))).toEqual({ ok: false, reason: 'not_on_sale' });
    expect(checkOrder({ ...campaign, status: 'closed' }, 'individual', [{ amountCents: 1000, quantity: 1 }], now)).toEqual({ ok: false, reason: 'not_on_sale' });
    expect(checkOrder(campaign, 'individual', [], now)).toEqual({ ok: false, reason: 'no_items' });
    expect(checkOrder(campaign, 'individual', [{ amountCents: 1000, quantity: 1 }, { amountCents: 7, quantity: 1 }], now)).toEqual({ ok: false, reason: 'amount_not_allowed', line: 1 });
  });

  it('computes progress percentages, capping the bar at 100', () => {
    expect(progress({ targetCents: 6000000, soldCents: 3000000, redeemedCents: 600000 })).toEqual({ soldPercent: 50, redeemedPercent: 10, soldBelowOne: false, redeemedBelowOne: false, soldBar: 50, redeemedBar: 10 });
    expect(progress({ targetCents: 100, soldCents: 250, redeemedCents: 0 }).soldBar).toBe(100);
  });

  it('says 0 when nothing is sold and flags a small non-zero part instead of rounding it up to 1 %', () => {
    expect(progress({ targetCents: 6000000, soldCents: 0, redeemedCents: 0 })).toEqual({ soldPercent: 0, redeemedPercent: 0, soldBelowOne: false, redeemedBelowOne: false, soldBar: 0, redeemedBar: 0 });
    expect(progress({ targetCents: 6000000, soldCents: 2000, redeemedCents: 0 })).toMatchObject({ soldPercent: 0, soldBelowOne: true, soldBar: 0, redeemedBelowOne: false });
    expect(share(59999, 6000000)).toEqual({ percent: 0, belowOne: true });
    expect(share(60000, 6000000)).toEqual({ percent: 1, belowOne: false });
    expect(share(500, 0)).toEqual({ percent: 0, belowOne: false });
  });

  it('never shows more than the true share, and shows 0 without a flag only for nothing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 1, max: 1e12 }), (part, whole) => {
        const s = share(part, whole);
        expect(s.percent * whole).toBeLessThanOrEqual(part * 100);
        expect((s.percent + 1) * whole).toBeGreaterThan(part * 100);
        expect(s.belowOne).toBe(part > 0 && s.percent === 0);
      }),
    );
  });
});
