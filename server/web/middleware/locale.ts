import type { NextFunction, Request, Response } from 'express';
import { isLocale, negotiateLocale, translateForPage, type Locale } from '../../lib/i18n';

declare global {
  namespace Express {
    interface Locals {
      locale: Locale;
      t: (key: string, params?: Record<string, string | number>) => string;
    }
  }
}

export const LOCALE_COOKIE = 'lang';

/** Locale from the `lang` cookie (set by the language switch), else Accept-Language, else French. */
export function requestLocale(req: Request): Locale {
  const fromCookie: unknown = req.cookies?.[LOCALE_COOKIE];
  return isLocale(fromCookie) ? fromCookie : negotiateLocale(req.get('accept-language'));
}

export function localeMiddleware(req: Request, res: Response, next: NextFunction) {
  const locale = requestLocale(req);
  res.locals.locale = locale;
  // Titles, notices and messages routes put on a page: typeset like the views' own texts.
  res.locals.t = (key, params) => translateForPage(locale, key, params);
  res.vary('Accept-Language');
  next();
}
