import type pg from 'pg';
import { preparedOn } from '../../../db/postgres';
import { awaited } from '../../../db/unit-of-work';
import type { ApiKeyFailureStore } from './api-key-store';

/**
 * The failed-lookup count on PostgreSQL: the same single conditional UPDATE as on SQLite
 * (api-key-failures-repository.ts). Under READ COMMITTED a second server's UPDATE waits on
 * the first's row lock, then re-evaluates its CASEs on the row the first committed, so no
 * failure is lost and the lock is set by whichever failure reaches the threshold.
 */
export function pgApiKeyFailureStore(client: pg.ClientBase): ApiKeyFailureStore {
  const q = preparedOn(client);
  return {
    countFailure: (keyId, at, threshold) =>
      awaited(async () => {
        await q(
          'key_count_failure',
          `UPDATE api_keys SET
             failure_count = CASE WHEN failure_window_start IS NOT NULL AND failure_window_start > $2 THEN failure_count + 1 ELSE 1 END,
             failure_window_start = CASE WHEN failure_window_start IS NOT NULL AND failure_window_start > $2 THEN failure_window_start ELSE $3 END,
             locked_until = CASE WHEN (CASE WHEN failure_window_start IS NOT NULL AND failure_window_start > $2 THEN failure_count + 1 ELSE 1 END) >= $5
                                 THEN $4 ELSE locked_until END
           WHERE id = $1`,
          [keyId, at.windowFloor, at.now, at.lockUntil, threshold],
        );
      }),
    lockedUntil: (keyId) =>
      awaited(async () => (await q<{ locked_until: string | null }>('key_locked_until', `SELECT locked_until FROM api_keys WHERE id = $1`, [keyId])).rows[0]?.locked_until ?? null),
  };
}
