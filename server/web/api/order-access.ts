import type { Request } from 'express';
import { findLiveKey } from '../../domain/merchants/api-keys-service';
import { findOrder, type Order } from '../../domain/orders/orders-repository';
import { findOrderForToken } from '../../domain/orders/orders-service';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';
import { bearerOf } from '../middleware/auth';

/**
 * The order behind a request: the buyer's access token (a PDF link cannot send a header,
 * hence ?token= as well) or an operator's admin key. Unknown and forbidden look the same.
 */
export function orderFor(ctx: AppContext, req: Request): Order {
  const b = bearerOf(req);
  const key = b?.startsWith('bk_') ? findLiveKey(ctx.database, b) : undefined;
  if (key?.kind === 'admin') {
    const order = findOrder(ctx.database.db, String(req.params.id));
    if (!order) throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
    return order;
  }
  return findOrderForToken(ctx.orders, String(req.params.id), b ?? (typeof req.query.token === 'string' ? req.query.token : undefined));
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
    ...(o.paymentMethod === 'bank_transfer'
      ? {
          paidCents: o.paidCents,
          remainingCents: Math.max(0, o.totalCents - o.paidCents),
          overpaidCents: Math.max(0, o.paidCents - o.totalCents),
          transfer: { reference: o.transferReference, iban: ctx.config.operator.iban, bic: ctx.config.operator.bic, beneficiary: ctx.config.operator.legalName },
        }
      : {}),
    ...(o.giftEvent ? { giftEvent: o.giftEvent } : {}),
    ...(o.reviewReason ? { reviewReason: o.reviewReason } : {}),
  };
}
