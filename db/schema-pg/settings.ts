import { pgTable, text } from 'drizzle-orm/pg-core';

/** PostgreSQL mirror of db/schema/settings.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull(),
});
