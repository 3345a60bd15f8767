import type { OrderItem } from './orders-repository';

/** Expands order lines into one entry per voucher to issue, keeping each line's gift details. */
export function vouchersToIssue(items: OrderItem[]) {
  return items.flatMap((item) =>
    Array.from({ length: item.quantity }, () => ({
      orderItemId: item.id,
      amountCents: item.amountCents,
      recipientName: item.recipientName,
      recipientEmail: item.recipientEmail,
      message: item.message,
    })),
  );
}

export type PaymentCheck =
  | { ok: true }
  | { ok: false; reason: 'already_paid' | 'refunded' | 'amount_mismatch' | 'currency_mismatch' };

/** Whether a confirmed payment may issue this order's vouchers. */
export function checkPayment(
  order: { status: string; totalCents: number },
  payment: { amountCents: number; currency: string },
): PaymentCheck {
  if (order.status === 'paid') return { ok: false, reason: 'already_paid' };
  if (order.status === 'refunded') return { ok: false, reason: 'refunded' };
  if (payment.currency.toLowerCase() !== 'eur') return { ok: false, reason: 'currency_mismatch' };
  if (payment.amountCents !== order.totalCents) return { ok: false, reason: 'amount_mismatch' };
  // A cancelled (expired/failed) order that is nevertheless paid is issued: the money was
  // taken, and the provider's confirmation is the source of truth.
  return { ok: true };
}
