import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { merchants } from './merchants';

/**
 * Bearer keys for the POS API (merchant) or the operator's endpoints (admin). Only the
 * SHA-256 of a key is stored; `prefix` identifies it in lists. Failed voucher lookups
 * are counted per key in a sliding window; too many lock the key until `locked_until`.
 */
export const apiKeys = sqliteTable(
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
    failureCount: integer('failure_count').notNull().default(0),
    failureWindowStart: text('failure_window_start'),
    lockedUntil: text('locked_until'),
  },
  (t) => [index('api_keys_merchant_idx').on(t.merchantId)],
);
