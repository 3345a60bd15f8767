import { assertNever } from '../../lib/errors';
import type { ProviderEvent } from '../../payments/payment-provider';
import { runSync, type Step } from '../../../db/unit-of-work';
import type { OrdersDeps } from './orders-service';
import { finishIssuing } from './finish-issuing';
import { cancelOrderSteps, confirmPaymentSteps, type ConfirmDeps, type ConfirmOutcome } from './payment-confirmation';
import type { PaymentStore } from './payment-store';
import { sqlitePaymentStore } from './payment-store-sqlite';

export type EventOutcome = 'duplicate' | 'ignored' | 'pending' | 'cancelled' | 'not_cancelled' | ConfirmOutcome;

/**
 * Applies one provider event exactly once (SQLite). The event id is recorded in the same
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

function applyInTransaction(deps: EventDeps, event: ProviderEvent): EventResult {
  const result = deps.database.transaction((tx) => runSync(providerEventSteps(sqlitePaymentStore(tx), deps, event)));
  deps.logger.info({ eventId: event.id, type: event.type, outcome: result.outcome }, 'payment event handled');
  return result;
}

export interface EventResult {
  outcome: EventOutcome;
  /** A paid order whose remaining slices of vouchers (if any) are still to issue. */
  paidOrderId?: string;
}

/**
 * One provider event as steps (db/unit-of-work.ts), in the caller's unit of work: the event id
 * first (a replay, or a concurrent delivery that committed first, stops here: PostgreSQL's
 * insert waits for the other delivery's transaction and then finds its row), then the order's
 * row locked, then the effect.
 */
export function* providerEventSteps(store: PaymentStore, deps: ConfirmDeps, event: ProviderEvent): Step<EventResult> {
  const now = deps.clock.now();
  if (!(yield* store.recordProviderEvent({ id: event.id, provider: event.provider, type: event.type }, now))) return { outcome: 'duplicate' };
  if (event.kind === 'ignored') return { outcome: 'ignored' };
  const orderId = (event.checkoutRef ? yield* store.orderIdByCheckoutRef(event.checkoutRef) : undefined) ?? event.orderId;
  if (!orderId) return { outcome: 'order_not_found' };
  switch (event.kind) {
    case 'pending':
      return { outcome: 'pending' };
    case 'paid':
      return {
        outcome: yield* confirmPaymentSteps(store, deps, {
          orderId,
          provider: event.provider,
          providerRef: event.checkoutRef ?? event.id,
          amountCents: event.amountCents ?? -1,
          currency: event.currency ?? '',
        }),
        paidOrderId: orderId,
      };
    case 'failed':
      return { outcome: (yield* cancelOrderSteps(store, now, orderId, 'payment_failed')) ? 'cancelled' : 'not_cancelled' };
    case 'expired':
      return { outcome: (yield* cancelOrderSteps(store, now, orderId, 'checkout_expired')) ? 'cancelled' : 'not_cancelled' };
    default:
      return assertNever(event.kind);
  }
}
