import type { Request } from 'express';
import { findLiveKey } from '../../domain/merchants/api-keys-service';
import { transferBalance, transferDetails } from '../../domain/orders/bank-transfers-service';
import type { Units } from '../../../db/store-units';
import type { Step } from '../../../db/unit-of-work';
import { sqliteOrderReads, type OrderReads } from '../../domain/orders/order-reads';
import { pgOrderReads } from '../../domain/orders/order-reads-pg';
import { storeReads } from '../backend-units';
import type { ApiKeyStore } from '../../domain/merchants/api-key-store';
import type { LiveKey } from '../../domain/merchants/api-keys-service';
import type { Order } from '../../domain/orders/orders-repository';
import { orderById, orderForToken } from '../../domain/orders/orders-service';
import { sha256 } from '../../lib/ids';
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
export async function orderFor(ctx: AppContext, req: Request): Promise<Order> {
  return (await orderAccess(ctx, req)).order;
}

/** The order and whether the operator (admin key or staff session) — not the buyer — is asking. */
export async function orderAccess(ctx: AppContext, req: Request): Promise<{ order: Order; byOperator: boolean }> {
  const b = bearerOf(req);
  const key = b?.startsWith('bk_') ? await liveKey(ctx, b) : undefined;
  const token = b ?? (typeof req.query.token === 'string' ? req.query.token : undefined);
  const asksStaff = !token && (req.method === 'GET' || req.method === 'HEAD');
  // The staff session: the value itself on SQLite, a promise on PostgreSQL.
  const staff: OperatorUser | null = asksStaff ? await operatorOf(ctx, req) : null;
  if (key?.kind === 'admin' || (staff && can(staff.role, 'orders.read'))) {
    const order = await orderById(ctx.orders, String(req.params.id));
    if (!order) throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
    return { order, byOperator: true };
  }
  return { order: await orderForToken(ctx.orders, String(req.params.id), token), byOperator: false };
}

/** The unrevoked key behind a bearer: the API keys' own store on PostgreSQL (ctx.apiKeyUnits), the SQLite file otherwise. */
function liveKey(ctx: AppContext, bearer: string): LiveKey | undefined | Promise<LiveKey | undefined> {
  if (!ctx.apiKeyUnits) return findLiveKey(ctx.database, bearer);
  return ctx.apiKeyUnits((store) => liveKeySteps(store, bearer));
}

function* liveKeySteps(store: ApiKeyStore, bearer: string): Step<LiveKey | undefined> {
  const k = yield* store.keyByHash(sha256(bearer));
  return k && !k.revokedAt ? k : undefined;
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

/** The order's reads (domain/orders/order-reads.ts) on this app's backend. */
export const orderReads = (ctx: AppContext): Units<OrderReads> => storeReads(ctx, sqliteOrderReads, pgOrderReads);
