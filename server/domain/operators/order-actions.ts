import { audit } from '../audit/audit-log';
import type { Database_ } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { findOrder } from '../orders/orders-repository';
import { cancelOrderTx } from '../orders/orders-service';

/**
 * An operator cancels an order that was never paid (e.g. an organisation that will not
 * pay its pro-forma). The reason is kept on the order. Refused, with a reason the page
 * can show, for a paid order and for one that received part of its transfers: that
 * money must be refunded first, which cancelling would hide.
 */
export function cancelUnpaidOrder(deps: { database: Database_; clock: Clock }, input: { orderId: string; reason: string; actor: string }): void {
  deps.database.transaction((tx) => {
    const order = findOrder(tx, input.orderId);
    if (!order) throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
    if (order.status === 'cancelled') throw new AppError('ORDER_CANCELLED', 409, 'errors.order_cancelled');
    if (order.status !== 'pending_payment') throw new AppError('ORDER_NOT_CANCELLABLE', 409, 'operator.errors.cancel_paid');
    if (order.paidCents > 0) throw new AppError('ORDER_NOT_CANCELLABLE', 409, 'operator.errors.cancel_money_received');
    // The reason column also holds machine reasons (checkout_expired…): the prefix tells them apart.
    if (!cancelOrderTx(tx, deps.clock.now(), order.id, `operator: ${input.reason} (${input.actor})`)) throw new AppError('ORDER_NOT_CANCELLABLE', 409, 'operator.errors.cancel_paid');
    audit(tx, { actor: input.actor, action: 'order_cancel', entityType: 'order', entityId: order.id, before: { status: order.status }, after: { status: 'cancelled' }, reason: input.reason }, deps.clock.now());
  });
}

/** Whether the page offers the cancel button: the same rule as above, for the view. */
export const isCancellable = (o: { status: string; paidCents: number }) => o.status === 'pending_payment' && o.paidCents === 0;
