import { sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Operator settings that change with the law or the year (e.g. the employer gift ceiling per year). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull(),
});
