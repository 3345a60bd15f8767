import { sql } from 'drizzle-orm';
import { check, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The operator's legal and compliance pages as edited in the back-office, one row per page
 * and language (a page without a row shows its default text, see server/domain/legal).
 * The body is plain text in a small Markdown-like subset, escaped when rendered: never HTML.
 */
export const legalPages = sqliteTable(
  'legal_pages',
  {
    page: text('page').notNull(),
    locale: text('locale').notNull(),
    body: text('body').notNull(),
    updatedAt: text('updated_at').notNull(),
    /** 'operator:<id>' of the last editor (the audit log keeps every version). */
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.page, t.locale] }),
    check('legal_pages_page_known', sql`${t.page} IN ('mentions', 'terms', 'merchant-terms', 'privacy', 'accessibility')`),
    check('legal_pages_locale_known', sql`${t.locale} IN ('fr', 'en')`),
    check('legal_pages_body_length', sql`length(${t.body}) BETWEEN 1 AND 20000`),
  ],
);
