import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';
import { sqliteOf, type Tx } from '../../../db/client';
import { orderItems, orders, payments, providerEvents } from '../../../db/schema/index';

export type Order = typeof orders.$inferSelect;
export type OrderItem = typeof orderItems.$inferSelect;

/**
 * An organisation's order may hold 10 000 lines: one statement prepared once per connection
 * and run per line. Drizzle's multi-row insert rebuilt a 1 000-row statement per chunk and
 * cost ~0.1 ms a line on the event loop.
 */
export function insertOrder(tx: Tx, order: Order, items: OrderItem[]): void {
  tx.insert(orders).values(order).run();
  const sqlite = sqliteOf(tx);
  let insert = itemInserts.get(sqlite);
  if (!insert) {
    insert = sqlite.prepare(`INSERT INTO order_items (id, order_id, position, amount_cents, quantity, recipient_name, recipient_email, message, bonus)
      VALUES (@id, @orderId, @position, @amountCents, @quantity, @recipientName, @recipientEmail, @message, @bonus)`);
    itemInserts.set(sqlite, insert);
  }
  for (const i of items) insert.run({ ...i, bonus: i.bonus ? 1 : 0 });
}
const itemInserts = new WeakMap<object, Statement>();

export function findOrder(tx: Tx, id: string): Order | undefined {
  return tx.select().from(orders).where(eq(orders.id, id)).get();
}

export function findOrderByCheckoutRef(tx: Tx, ref: string): Order | undefined {
  return tx.select().from(orders).where(eq(orders.checkoutRef, ref)).get();
}

export function listOrderItems(tx: Tx, orderId: string): OrderItem[] {
  return tx.select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.position)).all();
}

/**
 * The lines holding vouchers `from` … `from + count - 1` of an order (vouchers numbered in
 * line order, `quantity` per line), each with how many vouchers come before it; the bonus
 * line is left out when `withBonus` is false (its bonus came to 0). Computed by the
 * database so a slice of a 10 000-line order reads a few rows, not all of them.
 */
export function orderItemsForVouchers(tx: Tx, orderId: string, from: number, count: number, withBonus: boolean): (OrderItem & { before: number })[] {
  const sqlite = sqliteOf(tx);
  let select = itemWindows.get(sqlite);
  if (!select) {
    select = sqlite.prepare(`SELECT * FROM (
        SELECT id, order_id AS orderId, position, amount_cents AS amountCents, quantity, recipient_name AS recipientName,
               recipient_email AS recipientEmail, message, bonus,
               SUM(quantity) OVER (ORDER BY position ROWS UNBOUNDED PRECEDING) - quantity AS before
          FROM order_items WHERE order_id = @orderId AND (bonus = 0 OR @withBonus = 1)
      ) WHERE before < @end AND before + quantity > @from ORDER BY position`);
    itemWindows.set(sqlite, select);
  }
  return select.all({ orderId, from, end: from + count, withBonus: withBonus ? 1 : 0 }) as (OrderItem & { before: number })[];
}
const itemWindows = new WeakMap<object, Statement>();

/**
 * An order's lines summed by face value (and bonus or not): what an invoice needs, read as
 * a handful of rows however many lines the order has.
 */
export function orderItemsByValue(tx: Tx, orderId: string): Pick<OrderItem, 'amountCents' | 'quantity' | 'bonus'>[] {
  return tx
    .select({ amountCents: orderItems.amountCents, quantity: sql<number>`SUM(${orderItems.quantity})`.mapWith(Number), bonus: orderItems.bonus })
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId))
    .groupBy(orderItems.amountCents, orderItems.bonus)
    .all();
}

/** Paid orders whose vouchers are still being issued in slices (see order-issuance.ts). */
export function listOrdersBeingIssued(tx: Tx): string[] {
  return tx.select({ id: orders.id }).from(orders).where(isNotNull(orders.issueJournalId)).all().map((r) => r.id);
}

export function updateOrder(tx: Tx, id: string, patch: Partial<Order>): void {
  tx.update(orders).set(patch).where(eq(orders.id, id)).run();
}

export function findPayment(tx: Tx, provider: string, providerRef: string) {
  return tx
    .select()
    .from(payments)
    .where(and(eq(payments.provider, provider), eq(payments.providerRef, providerRef)))
    .get();
}

export function insertPayment(tx: Tx, p: typeof payments.$inferInsert): void {
  tx.insert(payments).values(p).run();
}

/** Records a provider event id; false when it was already recorded (a replay). */
export function recordProviderEvent(tx: Tx, e: { id: string; provider: string; type: string }, now: Date): boolean {
  const res = tx
    .insert(providerEvents)
    .values({ ...e, receivedAt: now.toISOString() })
    .onConflictDoNothing()
    .run();
  return res.changes === 1;
}
