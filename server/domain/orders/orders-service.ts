import type { Database_, Tx } from '../../../db/client';
import type { PgDatabase } from '../../../db/postgres-pool';
import { pgUnitOfWork } from '../../../db/pg-write-behind';
import { andThen, pgUnits, sqliteUnits, type Units } from '../../../db/store-units';
import { runAsync, runSync } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newToken, sha256 } from '../../lib/ids';
import type { Logger } from '../../lib/logger';
import type { PaymentProvider } from '../../payments/payment-provider';
import type { Seller } from '../../invoices/invoice-document';
import type { JournalLine } from '../ledger/accounts';
import { checkoutLines } from './card-payment';
import { createOrderSteps, type NewOrderInput } from './order-creation';
import type { OrderCreationStore } from './order-creation-store';
import { pgOrderByCheckoutRef, pgOrderById, pgOrderCreationStore } from './order-creation-store-pg';
import { sqliteOrderCreationStore } from './order-creation-store-sqlite';
import { findOrder, findOrderByCheckoutRef, type Order } from './orders-repository';
import { cancelOrderSteps, confirmPaymentSteps, recordPaymentSteps, type ConfirmedPayment, type ConfirmOutcome } from './payment-confirmation';
import { pgPaymentStore } from './payment-store-pg';
import { sqlitePaymentStore } from './payment-store-sqlite';

export interface OrdersDeps {
  database: Database_;
  /** The pool when the app runs on PostgreSQL (`database` then refuses, see lib/not-on-postgres.ts). */
  pg?: PgDatabase | null;
  clock: Clock;
  payments: PaymentProvider;
  baseUrl: string;
  logger: Logger;
  operator: Seller;
}

export { ANONYMOUS_ORDER_VOUCHERS, transferReferenceOf, type NewOrderInput } from './order-creation';

export interface CreatedOrder {
  order: Order;
  accessToken: string;
  paymentUrl: string;
}

/**
 * Creates the order (pending_payment) in one transaction, then — outside it — asks the
 * payment provider for a checkout, with our order id as idempotency key so a retry
 * cannot create a second checkout. A provider failure cancels the order and says so.
 * Bank transfers (organisations only) need no checkout: the order page shows the
 * pro-forma with the operator's IBAN and the order's transfer reference.
 */
export async function createOrder(deps: OrdersDeps, input: NewOrderInput): Promise<CreatedOrder> {
  if (input.paymentMethod === 'bank_transfer' && input.buyer.type === 'individual') {
    throw new AppError('PAYMENT_METHOD_UNAVAILABLE', 422, 'errors.bank_transfer_unavailable', { paymentMethod: 'errors.bank_transfer_unavailable' });
  }
  const now = deps.clock.now();
  const accessToken = newToken();
  const order = await orderUnits(deps)((store) => createOrderSteps(store, input, accessToken, now));

  const orderUrl = `${deps.baseUrl}/commandes/${order.order.id}?token=${accessToken}`;
  if (input.paymentMethod === 'bank_transfer') return { order: order.order, accessToken, paymentUrl: orderUrl };
  let checkout;
  try {
    checkout = await deps.payments.createCheckout({
      orderId: order.order.id,
      reference: order.order.reference,
      description: order.campaignName,
      totalCents: order.order.totalCents,
      lines: checkoutLines(input.items, order.order),
      buyerEmail: input.buyer.email,
      locale: input.locale,
      successUrl: orderUrl,
      cancelUrl: `${orderUrl}&cancelled=1`,
    });
  } catch (err) {
    const e = err as { type?: string; code?: string; statusCode?: number; message?: string };
    // A 401/400 here is a configuration problem, not an outage: say which in the log.
    deps.logger.error({ orderId: order.order.id, provider: deps.payments.name, type: e.type, code: e.code, statusCode: e.statusCode, message: e.message }, 'checkout creation failed');
    await cancelOrder(deps, order.order.id, 'checkout_failed');
    throw new AppError('PAYMENT_PROVIDER_UNAVAILABLE', 503, 'errors.payment_provider_unavailable');
  }
  await orderUnits(deps)((store) => store.updateOrder(order.order.id, { checkoutRef: checkout.ref, checkoutUrl: checkout.url }));
  return { order: { ...order.order, checkoutRef: checkout.ref, checkoutUrl: checkout.url }, accessToken, paymentUrl: checkout.url };
}

/** Order creation's unit of work on the backend the app runs on (order-creation-store*.ts). */
const orderUnits = (deps: Pick<OrdersDeps, 'database' | 'pg'>): Units<OrderCreationStore> =>
  deps.pg ? pgUnits(deps.pg, pgOrderCreationStore) : sqliteUnits(deps.database, sqliteOrderCreationStore);

export type { ConfirmedPayment, ConfirmOutcome } from './payment-confirmation';

/** confirmPaymentSteps (payment-confirmation.ts) in the caller's SQLite transaction (BEGIN IMMEDIATE). */
export function confirmPaymentTx(tx: Tx, deps: Pick<OrdersDeps, 'clock' | 'logger'> & { operator?: Seller }, p: ConfirmedPayment): ConfirmOutcome {
  return runSync(confirmPaymentSteps(sqlitePaymentStore(tx), deps, p));
}

/**
 * Money received: the payment row (unique per provider reference) and its journal
 * (clearing debited by what arrived). Returns the journal id.
 */
export function recordPayment(tx: Tx, order: Order, p: Pick<ConfirmedPayment, 'provider' | 'providerRef' | 'amountCents'>, entry: { kind: string; lines: JournalLine[]; description: string }, now: Date, receivedAt = now): string {
  return runSync(recordPaymentSteps(sqlitePaymentStore(tx), order, p, entry, now, receivedAt));
}

/** cancelOrderSteps (payment-confirmation.ts) in the caller's SQLite transaction. */
export function cancelOrderTx(tx: Tx, now: Date, orderId: string, reason: string): boolean {
  return runSync(cancelOrderSteps(sqlitePaymentStore(tx), now, orderId, reason));
}

/** An unpaid order cancelled (its bonus released); false when it was paid or cancelled already. On PostgreSQL the order's row is locked first. */
export function cancelOrder(deps: Pick<OrdersDeps, 'database' | 'clock' | 'pg'>, orderId: string, reason: string): boolean | Promise<boolean> {
  const now = deps.clock.now();
  if (deps.pg) return pgUnitOfWork(deps.pg, (unit) => runAsync(cancelOrderSteps(pgPaymentStore(unit), now, orderId, reason)));
  return deps.database.transaction((tx) => cancelOrderTx(tx, now, orderId, reason));
}

/** The order for a bearer of its access token; compared by hash, never by the token itself. SQLite only (the pages not ported yet). */
export function findOrderForToken(deps: Pick<OrdersDeps, 'database'>, orderId: string, token: string | undefined): Order {
  const order = findOrder(deps.database.db, orderId);
  return checkedToken(order, token);
}

function checkedToken(order: Order | undefined, token: string | undefined): Order {
  if (!order || !token || sha256(token) !== order.accessTokenHash) throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
  return order;
}

/** findOrderForToken on either backend: synchronous on SQLite, a promise on PostgreSQL. */
export function orderForToken(deps: Pick<OrdersDeps, 'database' | 'pg'>, orderId: string, token: string | undefined): Order | Promise<Order> {
  return andThen(orderById(deps, orderId), (order) => checkedToken(order, token));
}

/** The order a provider's checkout belongs to (the demo provider's pay page). */
export function orderByCheckoutRef(deps: Pick<OrdersDeps, 'database' | 'pg'>, ref: string): Order | undefined | Promise<Order | undefined> {
  return deps.pg ? pgOrderByCheckoutRef(deps.pg.pool, ref) : findOrderByCheckoutRef(deps.database.db, ref);
}

/** One order by id, as committed: one statement outside any transaction on either backend. */
export function orderById(deps: Pick<OrdersDeps, 'database' | 'pg'>, orderId: string): Order | undefined | Promise<Order | undefined> {
  return deps.pg ? pgOrderById(deps.pg.pool, orderId) : findOrder(deps.database.db, orderId);
}
