import type { Database_ } from '../../db/client';
import { createOrder } from '../../server/domain/orders/orders-service';
import { handleProviderEvent } from '../../server/domain/orders/payment-events-service';
import { findOrder, type Order } from '../../server/domain/orders/orders-repository';
import { listOrderVouchers } from '../../server/domain/vouchers/vouchers-repository';
import type { Clock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { DemoProvider } from '../../server/payments/demo-provider';
import { loadOperator } from '../../server/operator';

/**
 * A buyer's paid card order with its access token (what the order page asks for), made
 * through the real order service and a demo-provider payment event.
 */
export async function paidOrderWithToken(
  deps: { database: Database_; clock: Clock },
  opts: { amountCents?: number; quantity?: number; locale?: 'fr' | 'en' } = {},
): Promise<{ order: Order; token: string; voucherIds: string[] }> {
  const baseUrl = 'http://127.0.0.1';
  const payments = new DemoProvider(baseUrl);
  const orderDeps = { database: deps.database, clock: deps.clock, payments, baseUrl, logger: createLogger('silent'), operator: loadOperator({}, false) };
  const created = await createOrder(orderDeps, {
    campaignSlug: 'seine-estuaire',
    buyer: { type: 'individual', name: 'Camille Martin', email: 'camille@example.org' },
    items: [{ amountCents: opts.amountCents ?? 2500, quantity: opts.quantity ?? 1 }],
    paymentMethod: 'card',
    locale: opts.locale ?? 'fr',
  });
  handleProviderEvent(orderDeps, payments.simulatedEvent(created.order.checkoutRef!, 'paid', created.order.totalCents));
  const order = findOrder(deps.database.db, created.order.id)!;
  if (order.status !== 'paid') throw new Error(`order ${order.reference} not paid`);
  return { order, token: created.accessToken, voucherIds: listOrderVouchers(deps.database.db, order.id).map((v) => v.id) };
}
