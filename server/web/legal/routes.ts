import { Router, type NextFunction, type Request, type Response } from 'express';
import { identityOf } from '../../domain/legal/identity';
import { LEGAL_PAGE_KEYS, LEGAL_PATHS, type LegalPageKey } from '../../domain/legal/legal-pages';
import { conformityReader, pgConformityReader } from '../../domain/legal/legal-pages-repository';
import { andThen } from '../../../db/store-units';
import { legalTextStep, sqliteLegalReadStore } from '../../domain/legal/legal-read-store';
import { pgLegalReadStore } from '../../domain/legal/legal-read-store-pg';
import { storeLookups } from '../backend-units';
import { formatLongDate } from '../../lib/dates';
import { isLocale } from '../../lib/i18n';
import { renderPlainMarkup } from '../../lib/plain-markup';
import type { AppContext } from '../context';
import type { ConformityLevel } from '../../domain/legal/legal-pages';

declare global {
  namespace Express {
    interface Locals {
      /** Set on every page (legalFooter): the layout's footer states it. */
      footerConformity?: ConformityLevel;
    }
  }
}

/**
 * What the layout's footer needs on every page: the links to the legal pages are fixed, and
 * the accessibility link states the RGAA conformity (« Accessibilité : partiellement conforme »,
 * as the RGAA asks), read from the database so it always matches the statement.
 */
export function legalFooter(ctx: AppContext) {
  const conformity: () => ConformityLevel | Promise<ConformityLevel> = ctx.pg ? pgConformityReader(ctx.pg.pool) : conformityReader(ctx.database);
  return (_req: Request, res: Response, next: NextFunction) =>
    andThen(conformity(), (level) => {
      res.locals.footerConformity = level;
      next();
    });
}

/**
 * The public legal pages: the operator's text in the visitor's language (or the default built
 * from its legal identity), rendered from the plain-text subset: never the operator's HTML.
 */
export function legalRoutes(ctx: AppContext): Router {
  const r = Router();
  const identity = identityOf(ctx.config.operator, ctx.baseUrl);
  const reads = storeLookups(ctx, sqliteLegalReadStore, pgLegalReadStore);
  const page = (key: LegalPageKey) => async (_req: Request, res: Response) => {
    const locale = isLocale(res.locals.locale) ? res.locals.locale : 'fr';
    const { text, conformity } = await reads(function* (s) {
      return { text: yield* legalTextStep(s, key, locale, identity), conformity: key === 'accessibility' ? yield* s.conformity() : null };
    });
    const t = res.locals.t;
    const a11y =
      key === 'accessibility'
        ? {
            commitment: t('legal.a11y.commitment', { operator: identity.legalName }),
            scope: t('legal.a11y.scope', { site: identity.site }),
            status: t('legal.a11y.status', { site: identity.site, level: t(`legal.conformity.${conformity}`) }),
          }
        : null;
    res.render('legal/page', {
      title: t(`legal.page.${key}`),
      html: renderPlainMarkup(text.body),
      updated: text.updatedAt ? t('legal.updated', { date: formatLongDate(text.updatedAt, locale) }) : null,
      a11y,
    });
  };
  for (const key of LEGAL_PAGE_KEYS) r.get(LEGAL_PATHS[key], page(key));
  return r;
}
