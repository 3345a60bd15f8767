import type { Request } from 'express';
import { findLiveKey } from '../../domain/merchants/api-keys-service';
import { transferBalance, transferDetails } from '../../domain/orders/bank-transfers-service';
import { findOrder, type Order } from '../../domain/orders/orders-repository';
import { findOrderForToken } from '../../domain/orders/orders-service';
import { NotOnPostgresYet } from '../../lib/not-on-postgres';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';
import { bearerOf } from '../middleware/auth';
import { can } from '../../domain/operators/roles';
import { operatorOf } from '../operator/session';
import type { OperatorUser } from '../../domain/operators/operator-users-repository';

/**
 * The order behind a request: the buyer's access token (a PDF link cannot send a header,
 * hence ?token= as well), an operator's admin key, or — for reading only, when the request
 * carries neither — the session of operator staff whose role may read orders (their
 * back-office links to the documents). Unknown and forbidden look the same.
 */
export function orderFor(ctx: AppContext, req: Request): Order {
  return orderAccess(ctx, req).order;
}

/** The order and whether the operator (admin key or staff session) — not the buyer — is asking. */
export function orderAccess(ctx: AppContext, req: Request): { order: Order; byOperator: boolean } {
  const b = bearerOf(req);
  const key = b?.startsWith('bk_') ? findLiveKey(ctx.database, b) : undefined;
  const token = b ?? (typeof req.query.token === 'string' ? req.query.token : undefined);
  const asksStaff = !token && (req.method === 'GET' || req.method === 'HEAD');
  // On PostgreSQL the staff session is read asynchronously: this synchronous check is not ported there yet.
  if (asksStaff && ctx.pg) throw new NotOnPostgresYet('orderAccess');
  const staff = asksStaff ? (operatorOf(ctx, req) as OperatorUser | null) : null; // SQLite: the value itself
  if (key?.kind === 'admin' || (staff && can(staff.role, 'orders.read'))) {
    const order = findOrder(ctx.database.db, String(req.params.id));
    if (!order) throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
    return { order, byOperator: true };
  }
  return { order: findOrderForToken(ctx.orders, String(req.params.id), token), byOperator: false };
}

/** The order's JSON as the contract names it, with the transfer details for bank-transfer orders. */
export function orderJson(o: Order, ctx: Pick<AppContext, 'config'>) {
  return {
    id: o.id,
    reference: o.reference,
    status: o.status,
    totalCents: o.totalCents,
    currency: 'EUR',
    paymentMethod: o.paymentMethod,
    buyerType: o.buyerType,
    createdAt: o.createdAt,
    paidAt: o.paidAt,
    ...(o.feeCents ? { feeCents: o.feeCents, feeVatCents: o.feeVatCents } : {}),
    // The sponsor's bonus voucher value (not paid, not in totalCents); absent when none.
    ...(o.bonusCents ? { bonusCents: o.bonusCents } : {}),
    ...(o.refundedCents ? { refundedCents: o.refundedCents } : {}),
    ...(o.paymentMethod === 'bank_transfer'
      ? {
          paidCents: o.paidCents,
          ...transferBalance(o),
          transfer: transferDetails(o, ctx.config.operator),
        }
      : {}),
    ...(o.giftEvent ? { giftEvent: o.giftEvent } : {}),
    ...(o.reviewReason ? { reviewReason: o.reviewReason } : {}),
  };
}
