import type pg from 'pg';
import { preparedOn } from '../../../db/postgres';
import { awaited } from '../../../db/unit-of-work';
import { DEFAULT_CONFORMITY, isConformityLevel } from './legal-pages';
import { CONFORMITY_SETTING, type LegalPageRow } from './legal-pages-repository';
import type { LegalReadStore } from './legal-read-store';

/** The public legal pages' reads on PostgreSQL: two primary-key reads, prepared once per pooled connection. */
export function pgLegalReadStore(client: pg.ClientBase): LegalReadStore {
  const q = preparedOn(client);
  return {
    page: (page, locale) =>
      awaited(async () =>
        (await q<LegalPageRow>('legal_page', `SELECT page, locale, body, updated_at AS "updatedAt", updated_by AS "updatedBy" FROM legal_pages WHERE page = $1 AND locale = $2`, [page, locale])).rows[0]),
    conformity: () =>
      awaited(async () => {
        const v = (await q<{ value: string }>('legal_conformity', `SELECT value FROM settings WHERE key = $1`, [CONFORMITY_SETTING])).rows[0]?.value;
        return isConformityLevel(v) ? v : DEFAULT_CONFORMITY;
      }),
  };
}
