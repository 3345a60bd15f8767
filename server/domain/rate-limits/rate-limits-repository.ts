import { and, eq, lte, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { rateLimitHits } from '../../../db/schema/index';

/**
 * Adds one to a bucket's window and returns the new count, in one statement: two
 * processes (or two requests) counting at once each get their own number. Portable SQL
 * (SQLite ≥ 3.35 and PostgreSQL both have INSERT … ON CONFLICT … DO UPDATE … RETURNING).
 */
export function addHit(tx: Tx, bucket: string, windowStart: number, expiresAt: number): number {
  const row = tx
    .insert(rateLimitHits)
    .values({ bucket, windowStart, count: 1, expiresAt })
    .onConflictDoUpdate({ target: [rateLimitHits.bucket, rateLimitHits.windowStart], set: { count: sql`${rateLimitHits.count} + 1` } })
    .returning({ count: rateLimitHits.count })
    .get();
  return row.count;
}

/** Takes one back (a sign-in that succeeded after being counted), never below zero. */
export function removeHit(tx: Tx, bucket: string, windowStart: number): void {
  tx.update(rateLimitHits)
    .set({ count: sql`${rateLimitHits.count} - 1` })
    .where(and(eq(rateLimitHits.bucket, bucket), eq(rateLimitHits.windowStart, windowStart), sql`${rateLimitHits.count} > 0`))
    .run();
}

export function hitCount(tx: Tx, bucket: string, windowStart: number): number {
  const row = tx.select({ count: rateLimitHits.count }).from(rateLimitHits).where(and(eq(rateLimitHits.bucket, bucket), eq(rateLimitHits.windowStart, windowStart))).get();
  return row?.count ?? 0;
}

/** Windows that ended: nothing reads them any more. */
export function deleteExpiredHits(tx: Tx, now: number): number {
  return tx.delete(rateLimitHits).where(lte(rateLimitHits.expiresAt, now)).run().changes;
}
