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
  const id: string | undefined = req.cookies?.[COOKIE];
  const given = req.get('x-csrf-token') ?? '';
  if (!id) return false;
  const expected = sign(secret, id);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

export function csrfProtection(secret: string, secureCookies: boolean) {
  return (req: Request, res: Response, next: NextFunction) => {
    let id: string | undefined = req.cookies?.[COOKIE];
    if (!id || !/^[A-Za-z0-9_-]{22,64}$/.test(id)) {
      id = randomBytes(18).toString('base64url');
      res.cookie(COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: secureCookies, path: '/' });
      req.cookies[COOKIE] = undefined; // a fresh id cannot validate a submitted token
    }
    const expected = sign(secret, id);
    res.locals.csrfToken = expected;
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next();
    const given = typeof req.body?._csrf === 'string' ? req.body._csrf : '';
    const ok = req.cookies[COOKIE] !== undefined && given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
    if (!ok) return next(new AppError('CSRF_FAILED', 403, 'errors.csrf_failed'));
    next();
  };
}
