import { sql } from 'drizzle-orm';
import { check, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/** PostgreSQL mirror of db/schema/legal-pages.ts: same columns, keys, CHECKs and indexes (its comments say why). */
export const legalPages = pgTable(
  'legal_pages',
  {
    page: text('page').notNull(),
    locale: text('locale').notNull(),
    body: text('body').notNull(),
    updatedAt: text('updated_at').notNull(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.page, t.locale] }),
    check('legal_pages_page_known', sql`${t.page} IN ('mentions', 'terms', 'merchant-terms', 'privacy', 'accessibility')`),
    check('legal_pages_locale_known', sql`${t.locale} IN ('fr', 'en')`),
    check('legal_pages_body_length', sql`length(${t.body}) BETWEEN 1 AND 20000`),
  ],
);
