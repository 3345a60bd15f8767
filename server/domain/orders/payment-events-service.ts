import { assertNever } from '../../lib/errors';
import type { ProviderEvent } from '../../payments/payment-provider';
import { cancelOrderTx, confirmPaymentTx, type ConfirmOutcome, type OrdersDeps } from './orders-service';
import { findOrderByCheckoutRef, recordProviderEvent } from './orders-repository';

export type EventOutcome = 'duplicate' | 'ignored' | 'pending' | 'cancelled' | 'not_cancelled' | ConfirmOutcome;

/**
 * Applies one provider event exactly once. The event id is recorded in the same
 * BEGIN IMMEDIATE transaction as its effect: a replay (same id) changes nothing, and
 * two different events for the same payment (completed + async_succeeded) meet the
 * order-status check and the unique (provider, ref) payment row.
 */
export function handleProviderEvent(deps: Pick<OrdersDeps, 'database' | 'clock' | 'logger' | 'operator'>, event: ProviderEvent): EventOutcome {
  const outcome = deps.database.transaction((tx): EventOutcome => {
    const now = deps.clock.now();
    if (!recordProviderEvent(tx, { id: event.id, provider: event.provider, type: event.type }, now)) return 'duplicate';
    if (event.kind === 'ignored') return 'ignored';
    const order = event.checkoutRef ? findOrderByCheckoutRef(tx, event.checkoutRef) : undefined;
    const orderId = order?.id ?? event.orderId;
    if (!orderId) return 'order_not_found';
    switch (event.kind) {
      case 'pending':
        return 'pending';
      case 'paid':
        return confirmPaymentTx(tx, deps, {
          orderId,
          provider: event.provider,
          providerRef: event.checkoutRef ?? event.id,
          amountCents: event.amountCents ?? -1,
          currency: event.currency ?? '',
        });
      case 'failed':
        return cancelOrderTx(tx, now, orderId, 'payment_failed') ? 'cancelled' : 'not_cancelled';
      case 'expired':
        return cancelOrderTx(tx, now, orderId, 'checkout_expired') ? 'cancelled' : 'not_cancelled';
      default:
        return assertNever(event.kind);
    }
  });
  deps.logger.info({ eventId: event.id, type: event.type, outcome }, 'payment event handled');
  return outcome;
}
