import type pg from 'pg';
import { preparedOn, quotedAliases } from '../../../db/postgres';
import { awaited } from '../../../db/unit-of-work';
import { KEY_BY_HASH_SQL, type ApiKeyStore } from './api-key-store';
import type { LiveKey } from './api-keys-service';

const KEY_BY_HASH = quotedAliases(KEY_BY_HASH_SQL).replace('?', '$1');

/**
 * The failed-lookup count on PostgreSQL: the same single conditional UPDATE as on SQLite
 * (api-key-failures-repository.ts). Under READ COMMITTED a second server's UPDATE waits on
 * the first's row lock, then re-evaluates its CASEs on the row the first committed, so no
 * failure is lost and the lock is set by whichever failure reaches the threshold.
 */
export function pgApiKeyStore(client: pg.ClientBase): ApiKeyStore {
  const q = preparedOn(client);
  return {
    keyByHash: (hash) => awaited(async () => (await q<LiveKey>('key_by_hash', KEY_BY_HASH, [hash])).rows[0]),
    touch: (keyId, at) => awaited(async () => void (await q('key_touch', `UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, [keyId, at]))),
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
