import { pgTable, text } from 'drizzle-orm/pg-core';
import { int64 } from './columns';

/** PostgreSQL mirror of db/schema/operators.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const operatorUsers = pgTable('operator_users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  role: text('role', { enum: ['admin', 'operator', 'viewer'] }).notNull(),
  passwordHash: text('password_hash'),
  totpSecret: text('totp_secret'),
  totpLastStep: int64('totp_last_step'),
  createdAt: text('created_at').notNull(),
  disabledAt: text('disabled_at'),
});
