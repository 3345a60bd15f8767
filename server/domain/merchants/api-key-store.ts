import type { Statement } from 'better-sqlite3';
import { sqliteOf, type Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import { countKeyFailure } from './api-key-failures-repository';
import type { LiveKey } from './api-keys-service';

/** When a failed lookup happened, the start of the window still open, and the end of a lock it would set. */
export interface FailureInstants {
  now: string;
  windowFloor: string;
  lockUntil: string;
}

/**
 * What API-key authentication shares between servers through the database: the key itself
 * (a revocation holds on every server at its next call) and its failed-lookup count,
 * window and lock. The rules (api-keys-service.ts: `keyAuthSteps`, `lookupFailureSteps`)
 * are written once as Steps; SQLite here, PostgreSQL in api-key-store-pg.ts. The count is
 * ONE conditional UPDATE (no read before the write), so two servers counting at once each
 * add their one.
 */
export interface ApiKeyStore {
  /** The key with this SHA-256 and its shop's status (null for admin keys), revoked or not. */
  keyByHash(keyHash: string): Step<LiveKey | undefined>;
  /** Records "last used" (the rule writes it at most once a minute). */
  touch(keyId: string, at: string): Step<void>;
  countFailure(keyId: string, at: FailureInstants, threshold: number): Step<void>;
  /** The key's lock (ISO instant) as stored now, null when none. */
  lockedUntil(keyId: string): Step<string | null>;
}

/** Every API call starts with this read: written once for both dialects (PostgreSQL quotes the aliases and numbers the parameter). */
export const KEY_BY_HASH_SQL = `SELECT k.id, k.kind, k.merchant_id AS merchantId, k.prefix, k.key_hash AS keyHash, k.label, k.created_at AS createdAt, k.revoked_at AS revokedAt,
       k.last_used_at AS lastUsedAt, k.failure_count AS failureCount, k.failure_window_start AS failureWindowStart, k.locked_until AS lockedUntil,
       m.status AS merchantStatus
FROM api_keys k LEFT JOIN merchants m ON m.id = k.merchant_id WHERE k.key_hash = ?`;

const statements = new WeakMap<object, { byHash: Statement<[string], LiveKey>; touch: Statement; lock: Statement }>();

/** SQLite: statements prepared once per connection (the lookup is on every API call), run in the caller's transaction or none. */
export function sqliteApiKeyStore(tx: Tx): ApiKeyStore {
  const sqlite = sqliteOf(tx);
  let st = statements.get(sqlite);
  if (!st) {
    st = {
      byHash: sqlite.prepare<[string], LiveKey>(KEY_BY_HASH_SQL),
      touch: sqlite.prepare(`UPDATE api_keys SET last_used_at = ? WHERE id = ?`),
      lock: sqlite.prepare(`SELECT locked_until FROM api_keys WHERE id = ?`).pluck(),
    };
    statements.set(sqlite, st);
  }
  const s = st;
  return {
    keyByHash: (hash) => done(s.byHash.get(hash)),
    touch: (keyId, at) => done(void s.touch.run(at, keyId)),
    countFailure: (keyId, at, threshold) => done(countKeyFailure(tx, keyId, at, threshold)),
    lockedUntil: (keyId) => done((s.lock.get(keyId) as string | null | undefined) ?? null),
  };
}
