import { and, asc, eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { orderItems, orders, payments, providerEvents } from '../../../db/schema/index';

export type Order = typeof orders.$inferSelect;
export type OrderItem = typeof orderItems.$inferSelect;

/** An organisation's order may hold 10 000 lines: inserted in chunks under SQLite's bound-parameter limit. */
export function insertOrder(tx: Tx, order: Order, items: OrderItem[]): void {
  tx.insert(orders).values(order).run();
  for (let i = 0; i < items.length; i += 1000) tx.insert(orderItems).values(items.slice(i, i + 1000)).run();
}

export function findOrder(tx: Tx, id: string): Order | undefined {
  return tx.select().from(orders).where(eq(orders.id, id)).get();
}

export function findOrderByCheckoutRef(tx: Tx, ref: string): Order | undefined {
  return tx.select().from(orders).where(eq(orders.checkoutRef, ref)).get();
}

export function listOrderItems(tx: Tx, orderId: string): OrderItem[] {
  return tx.select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.position)).all();
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
