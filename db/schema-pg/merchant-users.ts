import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { merchants } from './merchants';

/** PostgreSQL mirror of db/schema/merchant-users.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const merchantUsers = pgTable(
  'merchant_users',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull().references(() => merchants.id),
    email: text('email').notNull().unique(),
    name: text('name').notNull(),
    role: text('role', { enum: ['owner', 'staff'] }).notNull(),
    passwordHash: text('password_hash'),
    createdAt: text('created_at').notNull(),
    removedAt: text('removed_at'),
  },
  (t) => [index('merchant_users_merchant_idx').on(t.merchantId)],
);

export const sessions = pgTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id').notNull(),
    realm: text('realm', { enum: ['shop', 'operator'] }).notNull().default('shop'),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const passwordTokens = pgTable('password_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  userId: text('user_id').notNull(),
  purpose: text('purpose', { enum: ['reset', 'invite'] }).notNull(),
  expiresAt: text('expires_at').notNull(),
  usedAt: text('used_at'),
});
