import type pg from 'pg';
import { preparedOn } from '../../../db/postgres';
import { pgSelectList } from '../../../db/pg-select-list';
import { apiKeys } from '../../../db/schema/index';
import { awaited } from '../../../db/unit-of-work';
import type { ApiKeyAdminStore } from './api-key-admin-store';
import type { ApiKey } from './api-keys-service';

const KEY = pgSelectList(apiKeys);

/** A shop's API keys on PostgreSQL (api-key-admin-store.ts); the revocation is one conditional UPDATE, so two at once revoke once. */
export function pgApiKeyAdminStore(client: pg.ClientBase): ApiKeyAdminStore {
  const q = preparedOn(client);
  return {
    insert: (k) =>
      awaited(async () => {
        await q(
          'api_key_insert',
          `INSERT INTO api_keys (id, kind, merchant_id, prefix, key_hash, label, created_at, revoked_at, last_used_at, failure_count, failure_window_start, locked_until)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [k.id, k.kind, k.merchantId, k.prefix, k.keyHash, k.label, k.createdAt, k.revokedAt, k.lastUsedAt, k.failureCount, k.failureWindowStart, k.lockedUntil],
        );
      }),
    list: (merchantId) =>
      awaited(async () =>
        merchantId
          ? (await q<ApiKey>('api_keys_of_shop', `SELECT ${KEY} FROM api_keys WHERE merchant_id = $1 ORDER BY created_at`, [merchantId])).rows
          : (await q<ApiKey>('api_keys_all', `SELECT ${KEY} FROM api_keys ORDER BY created_at`, [])).rows,
      ),
    revoke: (merchantId, keyId, at) =>
      awaited(async () => (await q('api_key_revoke', `UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND merchant_id = $2 AND revoked_at IS NULL`, [keyId, merchantId, at])).rowCount === 1),
  };
}
