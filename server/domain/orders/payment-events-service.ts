import { assertNever } from '../../lib/errors';
import type { ProviderEvent } from '../../payments/payment-provider';
import { cancelOrderTx, confirmPaymentTx, type ConfirmOutcome, type OrdersDeps } from './orders-service';
import { finishIssuing } from './finish-issuing';
import { findOrderByCheckoutRef, recordProviderEvent } from './orders-repository';

export type EventOutcome = 'duplicate' | 'ignored' | 'pending' | 'cancelled' | 'not_cancelled' | ConfirmOutcome;

/**
 * Applies one provider event exactly once. The event id is recorded in the same
 * BEGIN IMMEDIATE transaction as its effect: a replay (same id) changes nothing, and
 * two different events for the same payment (completed + async_succeeded) meet the
 * order-status check and the unique (provider, ref) payment row.
 */
export function handleProviderEvent(deps: EventDeps, event: ProviderEvent): EventOutcome {
  return applyInTransaction(deps, event).outcome;
}

/**
 * handleProviderEvent, then — for a payment that issued a large order's first slice of
 * vouchers — the remaining slices, each in its own short transaction, before the provider
 * hears back (what the webhook and the demo checkout call).
 */
export async function applyProviderEvent(deps: EventDeps, event: ProviderEvent): Promise<EventOutcome> {
  const { outcome, paidOrderId } = applyInTransaction(deps, event);
  if (outcome === 'issued' && paidOrderId) await finishIssuing(deps, paidOrderId);
  return outcome;
}

type EventDeps = Pick<OrdersDeps, 'database' | 'clock' | 'logger' | 'operator'>;

function applyInTransaction(deps: EventDeps, event: ProviderEvent): { outcome: EventOutcome; paidOrderId?: string } {
  let paidOrderId: string | undefined;
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
        paidOrderId = orderId;
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
  return { outcome, ...(paidOrderId ? { paidOrderId } : {}) };
}
