import type { Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import type { Locale } from '../../lib/i18n';
import { audit, type AuditInput } from '../audit/audit-log';
import type { ConformityLevel, LegalPageKey } from './legal-pages';
import { deleteLegalPage, listLegalPages, upsertLegalPage, writeConformity, type LegalPageRow } from './legal-pages-repository';
import { sqliteLegalReadStore, type LegalReadStore } from './legal-read-store';

/**
 * The operator's legal page editing: the public reads plus the list and the writes. SQLite:
 * the repository functions (inside BEGIN IMMEDIATE for writes); PostgreSQL: legal-admin-store-pg.ts.
 */
export interface LegalAdminStore extends LegalReadStore {
  list(): Step<LegalPageRow[]>;
  upsert(row: LegalPageRow): Step<void>;
  remove(page: LegalPageKey, locale: Locale): Step<void>;
  writeConformity(level: ConformityLevel, now: Date): Step<void>;
  audit(e: AuditInput, now: Date): Step<void>;
}

export function sqliteLegalAdminStore(tx: Tx): LegalAdminStore {
  return {
    ...sqliteLegalReadStore(tx),
    list: () => done(listLegalPages(tx)),
    upsert: (row) => done(upsertLegalPage(tx, row)),
    remove: (page, locale) => done(deleteLegalPage(tx, page, locale)),
    writeConformity: (level, now) => done(writeConformity(tx, level, now)),
    audit: (e, now) => done(audit(tx, e, now)),
  };
}
