import type { Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import type { Locale } from '../../lib/i18n';
import type { Identity } from './identity';
import { defaultLegalText, type ConformityLevel, type LegalPageKey } from './legal-pages';
import { findLegalPage, readConformity, type LegalPageRow } from './legal-pages-repository';

/**
 * What the public legal pages read: the operator's text of one page in one language, and the
 * accessibility conformity state the statement declares. SQLite: the repository functions;
 * PostgreSQL: legal-read-store-pg.ts.
 */
export interface LegalReadStore {
  page(page: LegalPageKey, locale: Locale): Step<LegalPageRow | undefined>;
  conformity(): Step<ConformityLevel>;
}

export function sqliteLegalReadStore(tx: Tx): LegalReadStore {
  return {
    page: (page, locale) => done(findLegalPage(tx, page, locale)),
    conformity: () => done(readConformity(tx)),
  };
}

/** `legalText` over the store: the operator's version, or the default built from its identity. */
export function* legalTextStep(store: LegalReadStore, page: LegalPageKey, locale: Locale, identity: Identity): Step<{ body: string; updatedAt: string | null; isDefault: boolean }> {
  const row = yield* store.page(page, locale);
  return row ? { body: row.body, updatedAt: row.updatedAt, isDefault: false } : { body: defaultLegalText(page, locale, identity), updatedAt: null, isDefault: true };
}
