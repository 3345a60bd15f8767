import type { Database_ } from '../../../db/client';
import type { PgDatabase } from '../../../db/postgres-pool';
import { runReadAsync, runReadSync, type ReadProgram } from '../../../db/read-program';
import { notOnPostgres } from '../../lib/not-on-postgres';
import { cancelOrder, cancelOrderTx } from './orders-service';

const HOUR = 3600_000;

type Stale = { id: string; checkoutRef: string | null };

/**
 * Orders nobody will pay: created but the process died before a checkout existed (older
 * than 1 h), or demo checkouts left open for a day (Stripe expires its own after 24 h and
 * tells us by webhook). Read with the same SQL on either backend (db/read-program.ts).
 */
function* staleOrdersProgram(now: Date): ReadProgram<Stale[]> {
  const before = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const noCheckout = (yield {
    sql: `SELECT id, checkout_ref AS "checkoutRef" FROM orders WHERE status = 'pending_payment' AND checkout_ref IS NULL AND created_at < @before`,
    params: { before: before(HOUR) },
  }) as unknown as Stale[];
  const demo = (yield {
    sql: `SELECT id, checkout_ref AS "checkoutRef" FROM orders WHERE status = 'pending_payment' AND checkout_ref LIKE 'demo\\_cs\\_%' ESCAPE '\\' AND created_at < @before`,
    params: { before: before(24 * HOUR) },
  }) as unknown as Stale[];
  return noCheckout.concat(demo);
}

const reasonOf = (o: Stale) => (o.checkoutRef ? 'checkout_expired' : 'checkout_failed');

/** Each stale order is cancelled in its own transaction through the service. */
export function cancelAbandonedOrders(database: Database_, now: Date): number {
  let cancelled = 0;
  for (const o of runReadSync(database.sqlite, staleOrdersProgram(now))) {
    if (database.transaction((tx) => cancelOrderTx(tx, now, o.id, reasonOf(o)))) cancelled++;
  }
  return cancelled;
}

/** The same on PostgreSQL: each cancellation its own pooled unit, the order's row locked first (cancelOrder). */
export async function cancelAbandonedOrdersOnPostgres(pg: PgDatabase, now: Date): Promise<number> {
  const client = await pg.pool.connect();
  let stale: Stale[];
  try {
    stale = await runReadAsync(client, staleOrdersProgram(now));
  } finally {
    client.release();
  }
  const deps = { database: notOnPostgres(), clock: { now: () => now }, pg };
  let cancelled = 0;
  for (const o of stale) if (await cancelOrder(deps, o.id, reasonOf(o))) cancelled++;
  return cancelled;
}
