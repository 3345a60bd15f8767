import { and, eq, isNull, like, lt } from 'drizzle-orm';
import type { Database_ } from '../../../db/client';
import { orders } from '../../../db/schema/index';
import { cancelOrderTx } from './orders-service';

const HOUR = 3600_000;

/**
 * Orders nobody will pay: created but the process died before a checkout existed (older
 * than 1 h), or demo checkouts left open for a day (Stripe expires its own after 24 h and
 * tells us by webhook). Each is cancelled in its own transaction through the service.
 */
export function cancelAbandonedOrders(database: Database_, now: Date): number {
  const before = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const stale = database.db
    .select({ id: orders.id, checkoutRef: orders.checkoutRef })
    .from(orders)
    .where(and(eq(orders.status, 'pending_payment'), isNull(orders.checkoutRef), lt(orders.createdAt, before(HOUR))))
    .all()
    .concat(
      database.db
        .select({ id: orders.id, checkoutRef: orders.checkoutRef })
        .from(orders)
        .where(and(eq(orders.status, 'pending_payment'), like(orders.checkoutRef, 'demo_cs_%'), lt(orders.createdAt, before(24 * HOUR))))
        .all(),
    );
  let cancelled = 0;
  for (const o of stale) {
    if (database.transaction((tx) => cancelOrderTx(tx, now, o.id, o.checkoutRef ? 'checkout_expired' : 'checkout_failed'))) cancelled++;
  }
  return cancelled;
}
