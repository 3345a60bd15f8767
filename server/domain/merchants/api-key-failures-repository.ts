import { eq, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { apiKeys } from '../../../db/schema/index';

/**
 * Counts one failed lookup against a key in ONE UPDATE, no read before it: a window still
 * open (started after `windowFloor`) adds one, else a new window starts at `now` with one;
 * reaching `threshold` sets the lock. Every SET reads the row as it was before the
 * statement (SQLite and PostgreSQL alike), so the new count is spelled out for the lock.
 * Two processes counting at once each add their own one, under any isolation level.
 */
export function countKeyFailure(tx: Tx, keyId: string, at: { now: string; windowFloor: string; lockUntil: string }, threshold: number): void {
  const open = sql`(${apiKeys.failureWindowStart} IS NOT NULL AND ${apiKeys.failureWindowStart} > ${at.windowFloor})`;
  const count = sql`CASE WHEN ${open} THEN ${apiKeys.failureCount} + 1 ELSE 1 END`;
  tx.update(apiKeys)
    .set({
      failureCount: count,
      failureWindowStart: sql`CASE WHEN ${open} THEN ${apiKeys.failureWindowStart} ELSE ${at.now} END`,
      lockedUntil: sql`CASE WHEN ${count} >= ${threshold} THEN ${at.lockUntil} ELSE ${apiKeys.lockedUntil} END`,
    })
    .where(eq(apiKeys.id, keyId))
    .run();
}
