import type { Database_ } from '../../db/client';
import type { PgDatabase } from '../../db/postgres-pool';
import { applyProviderEventPostgres } from '../../server/domain/orders/payment-events-postgres';
import { createOrder, orderById } from '../../server/domain/orders/orders-service';
import { handleProviderEvent } from '../../server/domain/orders/payment-events-service';
import type { Order } from '../../server/domain/orders/orders-repository';
import type { Clock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { DemoProvider } from '../../server/payments/demo-provider';
import { loadOperator } from '../../server/operator';
import { rowsOf } from './backend-query';

/**
 * A buyer's paid card order with its access token (what the order page asks for), made
 * through the real order service and a demo-provider payment event, on the test app's
 * backend (SQLite's transaction, or PostgreSQL's unit of work as the webhook runs it).
 */
export async function paidOrderWithToken(
  deps: { database: Database_; pg?: PgDatabase | null; clock: Clock },
  opts: { amountCents?: number; quantity?: number; locale?: 'fr' | 'en' } = {},
): Promise<{ order: Order; token: string; voucherIds: string[] }> {
  const baseUrl = 'http://127.0.0.1';
  const payments = new DemoProvider(baseUrl);
  const orderDeps = { database: deps.database, pg: deps.pg ?? null, clock: deps.clock, payments, baseUrl, logger: createLogger('silent'), operator: loadOperator({}, false) };
  const created = await createOrder(orderDeps, {
    campaignSlug: 'seine-estuaire',
    buyer: { type: 'individual', name: 'Camille Martin', email: 'camille@example.org' },
    items: [{ amountCents: opts.amountCents ?? 2500, quantity: opts.quantity ?? 1 }],
    paymentMethod: 'card',
    locale: opts.locale ?? 'fr',
  });
  const event = payments.simulatedEvent(created.order.checkoutRef!, 'paid', created.order.totalCents);
  if (orderDeps.pg) await applyProviderEventPostgres(orderDeps.pg, orderDeps, event);
  else handleProviderEvent(orderDeps, event);
  const order = (await orderById(orderDeps, created.order.id))!;
  if (order.status !== 'paid') throw new Error(`order ${order.reference} not paid`);
  const vouchers = await rowsOf<{ id: string }>({ database: deps.database, pg: deps.pg ?? null }, 'SELECT id FROM vouchers WHERE order_id = @o ORDER BY issued_at, code', { o: order.id });
  return { order, token: created.accessToken, voucherIds: vouchers.map((v) => v.id) };
}
