import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { merchants } from './merchants';

/**
 * People who work at a partner shop. `owner` manages staff and API keys; `staff` use the
 * till and see the shop's redemptions. Passwords are scrypt hashes (see server/lib/passwords.ts).
 * A removed user keeps its row (redemptions point at it) but can no longer sign in.
 */
export const merchantUsers = sqliteTable(
  'merchant_users',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull().references(() => merchants.id),
    email: text('email').notNull().unique(),
    name: text('name').notNull(),
    role: text('role', { enum: ['owner', 'staff'] }).notNull(),
    /** Null until the person sets a password from an invitation link. */
    passwordHash: text('password_hash'),
    createdAt: text('created_at').notNull(),
    removedAt: text('removed_at'),
  },
  (t) => [index('merchant_users_merchant_idx').on(t.merchantId)],
);

/** Signed-in browser sessions; the cookie holds a random token, the table its SHA-256. */
export const sessions = sqliteTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id').notNull(),
    /** Whose user: a shop's (merchant_users) or the operator's (operator_users). */
    realm: text('realm', { enum: ['shop', 'operator'] }).notNull().default('shop'),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** One-time links to set or reset a password (invitation or "forgotten password"). */
export const passwordTokens = sqliteTable('password_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  userId: text('user_id').notNull(),
  purpose: text('purpose', { enum: ['reset', 'invite'] }).notNull(),
  expiresAt: text('expires_at').notNull(),
  usedAt: text('used_at'),
});
