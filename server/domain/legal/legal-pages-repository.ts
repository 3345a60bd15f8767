import { and, eq } from 'drizzle-orm';
import type { Database_, Tx } from '../../../db/client';
import { legalPages, settings } from '../../../db/schema/index';
import type { Locale } from '../../lib/i18n';
import { DEFAULT_CONFORMITY, isConformityLevel, type ConformityLevel, type LegalPageKey } from './legal-pages';

export type LegalPageRow = typeof legalPages.$inferSelect;

export const CONFORMITY_SETTING = 'accessibility_conformity';

export function findLegalPage(tx: Tx, page: LegalPageKey, locale: Locale): LegalPageRow | undefined {
  return tx.select().from(legalPages).where(and(eq(legalPages.page, page), eq(legalPages.locale, locale))).get();
}

export function listLegalPages(tx: Tx): LegalPageRow[] {
  return tx.select().from(legalPages).all();
}

export function upsertLegalPage(tx: Tx, row: LegalPageRow): void {
  tx.insert(legalPages)
    .values(row)
    .onConflictDoUpdate({ target: [legalPages.page, legalPages.locale], set: { body: row.body, updatedAt: row.updatedAt, updatedBy: row.updatedBy } })
    .run();
}

export function deleteLegalPage(tx: Tx, page: LegalPageKey, locale: Locale): void {
  tx.delete(legalPages).where(and(eq(legalPages.page, page), eq(legalPages.locale, locale))).run();
}

export function readConformity(tx: Tx): ConformityLevel {
  const v = tx.select({ value: settings.value }).from(settings).where(eq(settings.key, CONFORMITY_SETTING)).get()?.value;
  return isConformityLevel(v) ? v : DEFAULT_CONFORMITY;
}

export function writeConformity(tx: Tx, level: ConformityLevel, now: Date): void {
  tx.insert(settings)
    .values({ key: CONFORMITY_SETTING, value: level, updatedAt: now.toISOString() })
    .onConflictDoUpdate({ target: settings.key, set: { value: level, updatedAt: now.toISOString() } })
    .run();
}

/**
 * The footer's conformity state on every page: one prepared primary-key read (the footer
 * must say « Accessibilité : … conforme » as the statement does, never a stale copy).
 */
export function conformityReader(database: Database_): () => ConformityLevel {
  const stmt = database.sqlite.prepare('SELECT value FROM settings WHERE key = ?').pluck();
  return () => {
    const v = stmt.get(CONFORMITY_SETTING);
    return isConformityLevel(v) ? v : DEFAULT_CONFORMITY;
  };
}

/** conformityReader on PostgreSQL: the same primary-key read on the pool. */
export function pgConformityReader(pool: import('pg').Pool): () => Promise<ConformityLevel> {
  return async () => {
    const { rows } = await pool.query<{ value: string }>({ name: 'conformity', text: 'SELECT value FROM settings WHERE key = $1', values: [CONFORMITY_SETTING] });
    const v = rows[0]?.value;
    return isConformityLevel(v) ? v : DEFAULT_CONFORMITY;
  };
}
