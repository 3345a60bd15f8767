import type { Database_ } from '../../../db/client';
import { runSync, type Step } from '../../../db/unit-of-work';
import { AppError } from '../../lib/errors';
import type { Locale } from '../../lib/i18n';
import { bodyProblem, defaultLegalText, type ConformityLevel, type LegalPageKey } from './legal-pages';
import type { Identity } from './identity';
import { sqliteLegalAdminStore, type LegalAdminStore } from './legal-admin-store';
import { findLegalPage } from './legal-pages-repository';

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
 * its audit entry in the same unit of work: the audit log keeps every published version.
 * The body is checked before (checkLegalBody): nothing is opened for a refused text.
 */
export function* saveLegalPageSteps(store: LegalAdminStore, now: Date, actor: string, edit: LegalPageEdit): Step<void> {
  const before = yield* store.page(edit.page, edit.locale);
  const conformityBefore = edit.conformity ? yield* store.conformity() : undefined;
  if (edit.body === null) yield* store.remove(edit.page, edit.locale);
  else yield* store.upsert({ page: edit.page, locale: edit.locale, body: edit.body, updatedAt: now.toISOString(), updatedBy: actor });
  if (edit.conformity) yield* store.writeConformity(edit.conformity, now);
  yield* store.audit(
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
}

/** A 422 for a body the pages refuse (empty, too long…). */
export function checkLegalBody(edit: Pick<LegalPageEdit, 'body'>): void {
  if (edit.body !== null) {
    const problem = bodyProblem(edit.body);
    if (problem) throw new AppError(`LEGAL_BODY_${problem.toUpperCase()}`, 422, `legal.errors.${problem}`);
  }
}

/** saveLegalPageSteps on SQLite in one BEGIN IMMEDIATE transaction. */
export function saveLegalPage(deps: Deps, actor: string, edit: LegalPageEdit): void {
  checkLegalBody(edit);
  const now = deps.clock.now();
  deps.database.transaction((tx) => runSync(saveLegalPageSteps(sqliteLegalAdminStore(tx), now, actor, edit)));
}
