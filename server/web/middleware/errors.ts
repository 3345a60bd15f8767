import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { translate, translateForPage } from '../../lib/i18n';
import { requestLocale } from './locale';
import { NotOnPostgresYet } from '../../lib/not-on-postgres';

const wantsJson = (req: Request) => req.path.startsWith('/api/') || req.path.startsWith('/webhooks/') || (!req.accepts('html') && !!req.accepts('json'));

/** Body-parser and other framework errors carry a status; map them to stable codes. */
function normalise(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number };
  if (e?.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 413, 'errors.payload_too_large');
  if (e?.type === 'entity.parse.failed') return new AppError('MALFORMED_JSON', 400, 'errors.malformed_json');
  if (e?.status && e.status >= 400 && e.status < 500) return new AppError('BAD_REQUEST', e.status, 'errors.bad_request');
  return null;
}

export function notFoundHandler(req: Request, _res: Response, next: NextFunction) {
  next(new AppError('NOT_FOUND', 404, 'errors.not_found'));
}

/**
 * A path with a NUL character (`%00`) names nothing: no id, code or slug we store holds one
 * (input refuses control characters). Answered 404 before any route binds it to a lookup:
 * PostgreSQL cannot take U+0000 in a text parameter (an error, so a 500), where SQLite just
 * finds no row — the same answer on both backends. In a query string it is refused (400).
 */
export function nulPathNotFound(req: Request, res: Response, next: NextFunction) {
  if (/%00/.test(req.path)) return notFoundHandler(req, res, next);
  // The same character in a query (a search box, a filter) is bad input: a 400 in the error
  // shape, before a search binds it (it was a 500 on PostgreSQL, an empty list on SQLite).
  const query = req.originalUrl.indexOf('?');
  if (query >= 0 && /%00/.test(req.originalUrl.slice(query))) return next(new AppError('VALIDATION_FAILED', 400, 'errors.validation_failed'));
  next();
}

/** JSON in the contract's shape for the API, a translated page for people; 500s reveal nothing. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    // The POS lane skips the locale middleware (a cost on every till call): errors work it out.
    const locale = res.locals.locale ?? requestLocale(req);
    const appErr = normalise(err);
    if (!appErr) logger.error({ err, reqId: req.id }, 'unhandled error');
    // Named in the log so an operator (and the PostgreSQL test pass) sees which path is not ported yet.
    if (err instanceof NotOnPostgresYet) logger.warn({ path: req.path, method: req.method, reqId: req.id }, 'not on PostgreSQL yet');
    const status = appErr?.status ?? 500;
    const code = appErr?.code ?? 'INTERNAL_ERROR';
    const message = appErr ? translate(locale, appErr.messageKey, appErr.params) : translate(locale, 'errors.internal', { id: String(req.id) });
    if (res.headersSent) return res.end();
    if (wantsJson(req)) {
      const fields = appErr?.fields && Object.fromEntries(Object.entries(appErr.fields).map(([k, v]) => [k, translate(locale, v, appErr.params)]));
      return res.status(status).json({ error: { code, message, ...(fields ? { fields } : {}) } });
    }
    // The JSON message stays as written (programs read it); the page's gets French typography.
    const pageMessage = appErr ? translateForPage(locale, appErr.messageKey, appErr.params) : translateForPage(locale, 'errors.internal', { id: String(req.id) });
    res.status(status).render('errors/error', { title: pageMessage, status, message: pageMessage, code });
  };
}
