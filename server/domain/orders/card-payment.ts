import type { CheckoutLine } from '../../payments/payment-provider';

/**
 * What one card payment can carry. Stripe (our card provider) takes amounts of at most
 * eight digits — 99 999 999 cents, 999 999,99 € — and at least 0,50 € in EUR
 * (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). The demo
 * provider keeps the same bounds, so what the demo accepts production accepts too.
 */
export const CARD_MAX_CENTS = 99_999_999;
export const CARD_MIN_CENTS = 50;

/**
 * Stripe Checkout takes at most 100 line items in `payment` mode
 * (https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-line_items).
 */
export const MAX_CHECKOUT_LINES = 100;

export type CardAmountCheck = { ok: true } | { ok: false; reason: 'too_large'; maxCents: number } | { ok: false; reason: 'too_small'; minCents: number };

/** Whether an order total can be paid in one card payment. */
export function checkCardAmount(totalCents: number): CardAmountCheck {
  if (totalCents > CARD_MAX_CENTS) return { ok: false, reason: 'too_large', maxCents: CARD_MAX_CENTS };
  if (totalCents < CARD_MIN_CENTS) return { ok: false, reason: 'too_small', minCents: CARD_MIN_CENTS };
  return { ok: true };
}

/**
 * The lines of the card payment for an order: exactly its total, the service fee and its
 * VAT as their own lines. Vouchers of the same value are one line (value × count), in the
 * order the values first appear; when that still needs more lines than Stripe takes, the
 * vouchers become one line that says how many there are and their range of values.
 * The sponsor's bonus voucher is not charged and is never passed here.
 */
export function checkoutLines(items: { amountCents: number; quantity: number }[], fee: { feeCents: number; feeVatCents: number }): CheckoutLine[] {
  const byValue = new Map<number, number>();
  for (const i of items) byValue.set(i.amountCents, (byValue.get(i.amountCents) ?? 0) + i.quantity);
  const extras: CheckoutLine[] = [];
  if (fee.feeCents > 0) extras.push({ kind: 'service_fee', amountCents: fee.feeCents, quantity: 1 });
  if (fee.feeVatCents > 0) extras.push({ kind: 'service_fee_vat', amountCents: fee.feeVatCents, quantity: 1 });
  if (byValue.size + extras.length <= MAX_CHECKOUT_LINES) {
    return [...[...byValue].map(([amountCents, quantity]): CheckoutLine => ({ kind: 'voucher', amountCents, quantity })), ...extras];
  }
  const values = [...byValue.keys()];
  const summary: CheckoutLine = {
    kind: 'vouchers',
    amountCents: [...byValue].reduce((sum, [value, count]) => sum + value * count, 0),
    quantity: 1,
    count: [...byValue.values()].reduce((a, b) => a + b, 0),
    minCents: Math.min(...values),
    maxCents: Math.max(...values),
  };
  return [summary, ...extras];
}

/** Σ amount × quantity of checkout lines (what the payment page will charge). */
export const checkoutTotal = (lines: CheckoutLine[]) => lines.reduce((sum, l) => sum + l.amountCents * l.quantity, 0);
