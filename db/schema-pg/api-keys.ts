import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { int64 } from './columns';
import { merchants } from './merchants';

/** PostgreSQL mirror of db/schema/api-keys.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['merchant', 'admin'] }).notNull(),
    merchantId: text('merchant_id').references(() => merchants.id),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull().unique(),
    label: text('label').notNull(),
    createdAt: text('created_at').notNull(),
    revokedAt: text('revoked_at'),
    lastUsedAt: text('last_used_at'),
    failureCount: int64('failure_count').notNull().default(0),
    failureWindowStart: text('failure_window_start'),
    lockedUntil: text('locked_until'),
  },
  (t) => [index('api_keys_merchant_idx').on(t.merchantId)],
);
