import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CARD_MAX_CENTS, checkCardAmount, checkoutLines, checkoutTotal, MAX_CHECKOUT_LINES } from '../../server/domain/orders/card-payment';

describe('checkout lines', () => {
  it('group equal values in order of appearance, then the fee and its VAT', () => {
    const lines = checkoutLines([{ amountCents: 2000, quantity: 2 }, { amountCents: 1250, quantity: 1 }, { amountCents: 2000, quantity: 3 }], { feeCents: 163, feeVatCents: 33 });
    expect(lines).toEqual([
      { kind: 'voucher', amountCents: 2000, quantity: 5 },
      { kind: 'voucher', amountCents: 1250, quantity: 1 },
      { kind: 'service_fee', amountCents: 163, quantity: 1 },
      { kind: 'service_fee_vat', amountCents: 33, quantity: 1 },
    ]);
  });

  it('summarise the vouchers in one line when one line per value would exceed Stripe’s 100', () => {
    const items = Array.from({ length: 99 }, (_, i) => ({ amountCents: 1000 + i, quantity: 1 }));
    expect(checkoutLines(items, { feeCents: 0, feeVatCents: 0 })).toHaveLength(99);
    expect(checkoutLines(items, { feeCents: 10, feeVatCents: 0 })).toHaveLength(100);
    expect(checkoutLines(items, { feeCents: 10, feeVatCents: 2 })).toEqual([
      { kind: 'vouchers', amountCents: items.reduce((n, i) => n + i.amountCents, 0), quantity: 1, count: 99, minCents: 1000, maxCents: 1098 },
      { kind: 'service_fee', amountCents: 10, quantity: 1 },
      { kind: 'service_fee_vat', amountCents: 2, quantity: 1 },
    ]);
  });

  it('always charge exactly face value + fee + VAT in at most 100 lines', () => {
    const item = fc.record({ amountCents: fc.integer({ min: 1, max: 100_000 }), quantity: fc.integer({ min: 1, max: 50 }) });
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 400 }), fc.nat(50_000), fc.nat(10_000), (items, feeCents, feeVatCents) => {
        const lines = checkoutLines(items, { feeCents, feeVatCents });
        expect(lines.length).toBeLessThanOrEqual(MAX_CHECKOUT_LINES);
        expect(checkoutTotal(lines)).toBe(items.reduce((n, i) => n + i.amountCents * i.quantity, 0) + feeCents + feeVatCents);
        for (const l of lines) expect(l.quantity >= 1 && l.amountCents > 0).toBe(true);
      }),
    );
  });
});

describe('one card payment', () => {
  it('carries 0,50 € to 999 999,99 €', () => {
    expect(checkCardAmount(CARD_MAX_CENTS)).toEqual({ ok: true });
    expect(checkCardAmount(CARD_MAX_CENTS + 1)).toEqual({ ok: false, reason: 'too_large', maxCents: 99_999_999 });
    expect(checkCardAmount(50)).toEqual({ ok: true });
    expect(checkCardAmount(49)).toEqual({ ok: false, reason: 'too_small', minCents: 50 });
  });
});
