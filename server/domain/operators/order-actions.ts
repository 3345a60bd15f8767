import type { Database_ } from '../../../db/client';
import type { PgDatabase } from '../../../db/postgres-pool';
import { pgUnitOfWork } from '../../../db/pg-write-behind';
import { runAsync, runSync, type Step } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { cancelOrderSteps } from '../orders/payment-confirmation';
import type { PaymentStore } from '../orders/payment-store';
import { pgPaymentStore } from '../orders/payment-store-pg';
import { sqlitePaymentStore } from '../orders/payment-store-sqlite';

/**
 * An operator cancels an order that was never paid (e.g. an organisation that will not
 * pay its pro-forma). The reason is kept on the order. Refused, with a reason the page
 * can show, for a paid order and for one that received part of its transfers: that
 * money must be refunded first, which cancelling would hide. One unit of work on either
 * backend (PostgreSQL: the order's row locked FOR UPDATE, so a transfer recorded meanwhile
 * is seen before the decision).
 */
export function cancelUnpaidOrder(deps: { database: Database_; pg?: PgDatabase | null; clock: Clock }, input: { orderId: string; reason: string; actor: string }): void | Promise<void> {
  const now = deps.clock.now();
  if (deps.pg) return pgUnitOfWork(deps.pg, (unit) => runAsync(cancelSteps(pgPaymentStore(unit), now, input)));
  deps.database.transaction((tx) => runSync(cancelSteps(sqlitePaymentStore(tx), now, input)));
}

function* cancelSteps(store: PaymentStore, now: Date, input: { orderId: string; reason: string; actor: string }): Step<void> {
  const order = yield* store.orderForUpdate(input.orderId);
  if (!order) throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
  if (order.status === 'cancelled') throw new AppError('ORDER_CANCELLED', 409, 'errors.order_cancelled');
  if (order.status !== 'pending_payment') throw new AppError('ORDER_NOT_CANCELLABLE', 409, 'operator.errors.cancel_paid');
  if (order.paidCents > 0) throw new AppError('ORDER_NOT_CANCELLABLE', 409, 'operator.errors.cancel_money_received');
  // The reason column also holds machine reasons (checkout_expired…): the prefix tells them apart.
  if (!(yield* cancelOrderSteps(store, now, order.id, `operator: ${input.reason} (${input.actor})`))) throw new AppError('ORDER_NOT_CANCELLABLE', 409, 'operator.errors.cancel_paid');
  yield* store.audit({ actor: input.actor, action: 'order_cancel', entityType: 'order', entityId: order.id, before: { status: order.status }, after: { status: 'cancelled' }, reason: input.reason }, now);
}

/** Whether the page offers the cancel button: the same rule as above, for the view. */
export const isCancellable = (o: { status: string; paidCents: number }) => o.status === 'pending_payment' && o.paidCents === 0;
