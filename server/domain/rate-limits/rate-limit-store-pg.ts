import type pg from 'pg';
import { preparedOn } from '../../../db/postgres';
import { awaited } from '../../../db/unit-of-work';
import type { RateLimitStore } from './rate-limit-store';

/**
 * The rate-limit store on PostgreSQL. The hit is the same single statement as on SQLite:
 * `INSERT … ON CONFLICT (bucket, window_start) DO UPDATE SET count = count + 1 RETURNING`.
 * Two servers hitting one bucket at once: the second insert waits on the first's row (the
 * primary key), then updates the row the first committed — each gets its own count, under
 * READ COMMITTED, with no read before the write.
 */
export function pgRateLimitStore(client: pg.ClientBase): RateLimitStore {
  const q = preparedOn(client);
  return {
    addHit: (bucket, windowStart, expiresAt) =>
      awaited(async () =>
        (await q<{ count: number }>(
          'rl_add_hit',
          `INSERT INTO rate_limit_hits (bucket, window_start, count, expires_at) VALUES ($1, $2, 1, $3)
           ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limit_hits.count + 1 RETURNING count`,
          [bucket, windowStart, expiresAt],
        )).rows[0]!.count,
      ),
    removeHit: (bucket, windowStart) =>
      awaited(async () => void (await q('rl_remove_hit', `UPDATE rate_limit_hits SET count = count - 1 WHERE bucket = $1 AND window_start = $2 AND count > 0`, [bucket, windowStart]))),
    hitCount: (bucket, windowStart) =>
      awaited(async () => (await q<{ count: number }>('rl_hit_count', `SELECT count FROM rate_limit_hits WHERE bucket = $1 AND window_start = $2`, [bucket, windowStart])).rows[0]?.count ?? 0),
    deleteExpiredHits: (now) => awaited(async () => (await q('rl_delete_expired', `DELETE FROM rate_limit_hits WHERE expires_at <= $1`, [now])).rowCount),
  };
}
