import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

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
  /**
   * The last TOTP time step accepted for this user (sign-in, or turning the factor on or
   * off): a code of that step or an earlier one is refused, by a conditional UPDATE, so a
   * code is used once across every server process.
   */
  totpLastStep: integer('totp_last_step'),
  createdAt: text('created_at').notNull(),
  disabledAt: text('disabled_at'),
});
