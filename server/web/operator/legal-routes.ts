import { Router, type Request, type Response } from 'express';
import { identityOf } from '../../domain/legal/identity';
import { CONFORMITY_LEVELS, defaultLegalText, isConformityLevel, isLegalPageKey, LEGAL_PAGE_KEYS, LEGAL_PATHS, type LegalPageKey } from '../../domain/legal/legal-pages';
import { sqliteLegalAdminStore } from '../../domain/legal/legal-admin-store';
import { pgLegalAdminStore } from '../../domain/legal/legal-admin-store-pg';
import { checkLegalBody, saveLegalPageSteps } from '../../domain/legal/legal-pages-service';
import { legalTextStep } from '../../domain/legal/legal-read-store';
import { pgUnit } from '../../../db/pg-write-behind';
import { formatLongDate } from '../../lib/dates';
import { AppError } from '../../lib/errors';
import { isLocale, LOCALES, type Locale } from '../../lib/i18n';
import { storeReads } from '../backend-units';
import type { AppContext } from '../context';
import { adminUnits } from './admin-units';
import { operatorPage, requireOperator } from './session';

const PATH = '/operateur/pages-legales';

/**
 * « Pages légales »: the operator's admins adapt the legal texts, one page and one language
 * per form (a body stays well inside the form parser's limit). Saving a text equal to the
 * default keeps the default (it then follows the operator's identity); the audit log keeps
 * every published version.
 */
export function operatorLegalRoutes(ctx: AppContext): Router {
  const r = Router();
  const manage = requireOperator('settings.manage');
  const identity = identityOf(ctx.config.operator, ctx.baseUrl);
  const writes = adminUnits(ctx, sqliteLegalAdminStore, pgLegalAdminStore);
  const reads = storeReads(ctx, sqliteLegalAdminStore, (client) => pgLegalAdminStore(pgUnit(client)));

  r.get(PATH, manage, async (_req, res) => {
    const t = res.locals.t;
    const rows = new Map((await reads((s) => s.list())).map((p) => [`${p.page}:${p.locale}`, p]));
    const pages = LEGAL_PAGE_KEYS.map((key) => ({
      title: t(`legal.page.${key}`),
      path: LEGAL_PATHS[key],
      versions: LOCALES.map((locale) => {
        const row = rows.get(`${key}:${locale}`);
        return {
          language: t(`legal.admin.lang.${locale}`),
          status: row ? t('legal.admin.edited', { date: formatLongDate(row.updatedAt, res.locals.locale) }) : t('legal.admin.default'),
          editUrl: `${PATH}/${key}?langue=${locale}`,
        };
      }),
    }));
    res.render('operator/legal-pages', { title: t('legal.admin.title'), ...operatorPage(res, 'legal'), pages, saved: _req.query.ok === '1' });
  });

  const pageOf = (req: Request): LegalPageKey => {
    const key = req.params.page;
    if (!isLegalPageKey(key)) throw new AppError('LEGAL_PAGE_NOT_FOUND', 404, 'legal.errors.page_not_found');
    return key;
  };
  const localeOf = (x: unknown): Locale => (isLocale(x) ? x : 'fr');

  const form = (res: Response, status: number, key: LegalPageKey, locale: Locale, values: { body: string; conformity: string; error?: string | null; conformityError?: string | null }) => {
    const t = res.locals.t;
    res.status(status).render('operator/legal-page-form', {
      title: `${t(`legal.page.${key}`)} (${t(`legal.admin.lang.${locale}`)})`,
      ...operatorPage(res, 'legal'),
      action: `${PATH}/${key}`,
      locale,
      publicPath: LEGAL_PATHS[key],
      bodyLabel: t('legal.admin.body', { lang: t(`legal.admin.lang.${locale}`) }),
      body: values.body,
      bodyError: values.error ?? null,
      conformityError: values.conformityError ?? null,
      conformity: key === 'accessibility' ? CONFORMITY_LEVELS.map((level) => ({ level, label: t(`legal.conformity.${level}`), checked: level === values.conformity })) : null,
    });
  };

  r.get(`${PATH}/:page`, manage, async (req, res) => {
    const key = pageOf(req);
    const locale = localeOf(req.query.langue);
    const shown = await reads(function* (s) {
      return { body: (yield* legalTextStep(s, key, locale, identity)).body, conformity: yield* s.conformity() };
    });
    form(res, 200, key, locale, shown);
  });

  r.post(`${PATH}/:page`, manage, async (req, res) => {
    const key = pageOf(req);
    const locale = localeOf(req.body?.locale);
    const typed = typeof req.body?.body === 'string' ? req.body.body.replace(/\r\n?/g, '\n') : '';
    const reset = req.body?.reset === '1' || typed === defaultLegalText(key, locale, identity);
    const conformity: unknown = req.body?.conformity;
    if (key === 'accessibility' && !isConformityLevel(conformity)) {
      return form(res, 422, key, locale, { body: typed, conformity: '', conformityError: res.locals.t('legal.errors.bad_conformity') });
    }
    try {
      const edit = {
        page: key,
        locale,
        body: reset ? null : typed,
        conformity: key === 'accessibility' ? (conformity as (typeof CONFORMITY_LEVELS)[number]) : undefined,
      };
      checkLegalBody(edit);
      const actor = `operator:${res.locals.operatorUser!.id}`;
      await writes((s) => saveLegalPageSteps(s, ctx.clock.now(), actor, edit));
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      return form(res, err.status, key, locale, { body: typed, conformity: String(conformity ?? ''), error: res.locals.t(err.messageKey) });
    }
    res.redirect(303, `${PATH}?ok=1`);
  });
  return r;
}
