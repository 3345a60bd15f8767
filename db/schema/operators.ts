import { sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The operator's staff (chamber of commerce, town). `admin` manages staff and settings,
 * `operator` runs the programme, `viewer` reads only. Passwords are scrypt hashes; an
 * optional TOTP secret adds a second factor. A disabled user keeps its row (the audit log
 * points at it) and can no longer sign in. Sessions live in `sessions` with realm 'operator'.
 */
export const operatorUsers = sqliteTable('operator_users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  role: text('role', { enum: ['admin', 'operator', 'viewer'] }).notNull(),
  passwordHash: text('password_hash'),
  totpSecret: text('totp_secret'),
  createdAt: text('created_at').notNull(),
  disabledAt: text('disabled_at'),
});
