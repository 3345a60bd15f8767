import { sqliteOf, type Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import { countKeyFailure } from './api-key-failures-repository';

/** When a failed lookup happened, the start of the window still open, and the end of a lock it would set. */
export interface FailureInstants {
  now: string;
  windowFloor: string;
  lockUntil: string;
}

/**
 * What API-key authentication shares between servers through the database: each key's
 * failed-lookup count, window and lock. The rule (api-keys-service.ts) is written once as
 * Steps; SQLite here, PostgreSQL in api-key-store-pg.ts. Both count with ONE conditional
 * UPDATE (no read before the write), so two servers counting at once each add their one.
 */
export interface ApiKeyFailureStore {
  countFailure(keyId: string, at: FailureInstants, threshold: number): Step<void>;
  /** The key's lock (ISO instant) as stored now, null when none. */
  lockedUntil(keyId: string): Step<string | null>;
}

export function sqliteApiKeyFailureStore(tx: Tx): ApiKeyFailureStore {
  return {
    countFailure: (keyId, at, threshold) => done(countKeyFailure(tx, keyId, at, threshold)),
    lockedUntil: (keyId) =>
      done((sqliteOf(tx).prepare(`SELECT locked_until FROM api_keys WHERE id = ?`).pluck().get(keyId) as string | null | undefined) ?? null),
  };
}
