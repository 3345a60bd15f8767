import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../lib/errors';

declare global {
  namespace Express {
    interface Locals {
      csrfToken: string;
    }
  }
}

const COOKIE = 'csrf_id';
const ID = /^[A-Za-z0-9_-]{22,64}$/;

/**
 * Synchroniser token bound to a random per-browser id kept in an HttpOnly cookie:
 * token = HMAC(secret, id). A cross-site form cannot read the token, and the id cookie
 * alone is useless. Applies to every state-changing form (not to /api or /webhooks,
 * which use bearer credentials or signatures, never ambient cookies).
 */
const sign = (secret: string, id: string) => createHmac('sha256', secret).update(`csrf:${id}`).digest('base64url');

/**
 * For JSON calls made by our own pages with the session cookie (the till): the page
 * sends its token in an X-CSRF-Token header, which a cross-site request cannot set.
 */
export function csrfHeaderValid(secret: string, req: Request): boolean {
  return tokenMatches(secret, req, req.get('x-csrf-token'));
}

/**
 * For forms whose body the global middleware cannot read (multipart: the organisation order
 * form): the route checks the `_csrf` field itself once its parser has read the fields.
 */
export function csrfTokenValid(secret: string, req: Request, given: unknown): boolean {
  return tokenMatches(secret, req, given);
}

/** The token given matches the HMAC of this browser's id cookie (constant-time compare). */
function tokenMatches(secret: string, req: Request, given: unknown): boolean {
  const id: string | undefined = req.cookies?.[COOKIE];
  if (!id || !ID.test(id) || typeof given !== 'string') return false;
  const expected = sign(secret, id);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/**
 * Checks state-changing form posts. The token itself is only issued on pages that render
 * a form (withCsrfToken), so the hot public pages neither compute an HMAC nor set a cookie.
 */
export function csrfProtection(secret: string) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next();
    next(tokenMatches(secret, req, req.body?._csrf) ? undefined : new AppError('CSRF_FAILED', 403, 'errors.csrf_failed'));
  };
}

/** For routes that render a form: makes sure the browser has an id cookie and exposes the token. */
export function withCsrfToken(secret: string, secureCookies: boolean) {
  return (req: Request, res: Response, next: NextFunction) => {
    let id: string | undefined = req.cookies?.[COOKIE];
    if (!id || !ID.test(id)) {
      id = randomBytes(18).toString('base64url');
      res.cookie(COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: secureCookies, path: '/' });
    }
    res.locals.csrfToken = sign(secret, id);
    next();
  };
}
