import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { apiKeys } from '../../../db/schema/index';
import { done, type Step } from '../../../db/unit-of-work';
import type { ApiKey } from './api-keys-service';

/**
 * Keeping a shop's API keys (create, list, revoke) from its pages, as Steps for either
 * backend; SQLite here (the statements api-keys-service.ts ran before), PostgreSQL in
 * api-key-admin-store-pg.ts. Authentication's reads are api-key-store.ts's.
 */
export interface ApiKeyAdminStore {
  insert(k: ApiKey): Step<void>;
  /** The shop's keys, revoked ones included, oldest first (every key when no shop is named). */
  list(merchantId?: string): Step<ApiKey[]>;
  /** Revokes a live key of this shop; false when there is none (unknown, another shop's, revoked already). */
  revoke(merchantId: string, keyId: string, at: string): Step<boolean>;
}

export function sqliteApiKeyAdminStore(tx: Tx): ApiKeyAdminStore {
  return {
    insert: (k) => done(void tx.insert(apiKeys).values(k).run()),
    list: (merchantId) => {
      const q = tx.select().from(apiKeys);
      return done((merchantId ? q.where(eq(apiKeys.merchantId, merchantId)) : q).orderBy(asc(apiKeys.createdAt)).all());
    },
    revoke: (merchantId, keyId, at) =>
      done(tx.update(apiKeys).set({ revokedAt: at }).where(and(eq(apiKeys.id, keyId), eq(apiKeys.merchantId, merchantId), isNull(apiKeys.revokedAt))).run().changes === 1),
  };
}
