import type { PgUnit } from '../../../db/pg-write-behind';
import { pgAudit } from '../audit/audit-log-pg';
import type { LegalAdminStore } from './legal-admin-store';
import { CONFORMITY_SETTING, type LegalPageRow } from './legal-pages-repository';
import { DEFAULT_CONFORMITY, isConformityLevel } from './legal-pages';

const ROW = `page, locale, body, updated_at AS "updatedAt", updated_by AS "updatedBy"`;

/** The operator's legal page editing on PostgreSQL (see legal-admin-store.ts), on one unit of work. */
export function pgLegalAdminStore(unit: PgUnit): LegalAdminStore {
  return {
    page: function* (page, locale) {
      return (yield* unit.query<LegalPageRow>('legal_admin_page', `SELECT ${ROW} FROM legal_pages WHERE page = $1 AND locale = $2`, [page, locale])).rows[0];
    },
    conformity: function* () {
      const v = (yield* unit.query<{ value: string }>('legal_admin_conformity_read', `SELECT value FROM settings WHERE key = $1`, [CONFORMITY_SETTING])).rows[0]?.value;
      return isConformityLevel(v) ? v : DEFAULT_CONFORMITY;
    },
    // Same order as SQLite's table scan on its primary key (page, locale), byte order.
    list: function* () {
      return (yield* unit.query<LegalPageRow>('legal_admin_list', `SELECT ${ROW} FROM legal_pages ORDER BY page COLLATE "C", locale COLLATE "C"`, [])).rows;
    },
    upsert: function* (row) {
      yield* unit.query(
        'legal_admin_upsert',
        `INSERT INTO legal_pages (page, locale, body, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (page, locale) DO UPDATE SET body = EXCLUDED.body, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
        [row.page, row.locale, row.body, row.updatedAt, row.updatedBy],
      );
    },
    remove: function* (page, locale) {
      yield* unit.query('legal_admin_delete', `DELETE FROM legal_pages WHERE page = $1 AND locale = $2`, [page, locale]);
    },
    writeConformity: function* (level, now) {
      yield* unit.query(
        'legal_admin_conformity',
        `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
        [CONFORMITY_SETTING, level, now.toISOString()],
      );
    },
    audit: pgAudit(unit),
  };
}
