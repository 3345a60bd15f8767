import type { Database_ } from '../../../db/client';
import { audit } from '../audit/audit-log';
import { AppError } from '../../lib/errors';
import type { Locale } from '../../lib/i18n';
import { bodyProblem, defaultLegalText, type ConformityLevel, type LegalPageKey } from './legal-pages';
import type { Identity } from './identity';
import { deleteLegalPage, findLegalPage, readConformity, upsertLegalPage, writeConformity } from './legal-pages-repository';

interface Deps {
  database: Database_;
  clock: { now(): Date };
}

/** A page's text in one language: the operator's version, or the default built from its identity. */
export function legalText(deps: Pick<Deps, 'database'>, page: LegalPageKey, locale: Locale, identity: Identity) {
  const row = findLegalPage(deps.database.db, page, locale);
  return row ? { body: row.body, updatedAt: row.updatedAt, isDefault: false } : { body: defaultLegalText(page, locale, identity), updatedAt: null, isDefault: true };
}

export interface LegalPageEdit {
  page: LegalPageKey;
  locale: Locale;
  /** null puts the default text back. */
  body: string | null;
  /** Only for the accessibility statement. */
  conformity?: ConformityLevel;
}

/**
 * Saves one page in one language (and the accessibility statement's conformity state), with
 * its audit entry in the same transaction: the audit log keeps every published version.
 */
export function saveLegalPage(deps: Deps, actor: string, edit: LegalPageEdit): void {
  if (edit.body !== null) {
    const problem = bodyProblem(edit.body);
    if (problem) throw new AppError(`LEGAL_BODY_${problem.toUpperCase()}`, 422, `legal.errors.${problem}`);
  }
  const now = deps.clock.now();
  deps.database.transaction((tx) => {
    const before = findLegalPage(tx, edit.page, edit.locale);
    const conformityBefore = edit.conformity ? readConformity(tx) : undefined;
    if (edit.body === null) deleteLegalPage(tx, edit.page, edit.locale);
    else upsertLegalPage(tx, { page: edit.page, locale: edit.locale, body: edit.body, updatedAt: now.toISOString(), updatedBy: actor });
    if (edit.conformity) writeConformity(tx, edit.conformity, now);
    audit(
      tx,
      {
        actor,
        action: edit.body === null ? 'legal_page_reset' : 'legal_page_update',
        entityType: 'legal_page',
        entityId: `${edit.page}:${edit.locale}`,
        before: { body: before?.body ?? null, ...(conformityBefore ? { conformity: conformityBefore } : {}) },
        after: { body: edit.body, ...(edit.conformity ? { conformity: edit.conformity } : {}) },
      },
      now,
    );
  });
}
