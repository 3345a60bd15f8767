import type { NextFunction, Request, Response } from 'express';
import { operatorForSession, OPERATOR_SESSION_MAX_MS } from '../../domain/operators/operator-users-service';
import type { OperatorUser } from '../../domain/operators/operator-users-repository';
import { can, type OperatorAction } from '../../domain/operators/roles';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';
import { andThen } from '../../../db/store-units';

/** Not the shop's `sid`: the two realms never share a cookie or a lifetime, and every session query names its realm. */
export const OPERATOR_SESSION_COOKIE = 'osid';
export const OPERATOR_HOME = '/operateur';
export const OPERATOR_SIGN_IN = '/operateur/connexion';

declare global {
  namespace Express {
    interface Locals {
      operatorUser?: OperatorUser | null;
    }
  }
}

/**
 * SameSite=Strict: the back-office is never entered from another site with the session
 * attached (a link from a mail lands on the sign-in page once). Path '/' because the
 * order documents the operator downloads live under /api/v1/orders/….
 */
export const operatorCookieOptions = (ctx: Pick<AppContext, 'secureCookies'>) => ({
  httpOnly: true,
  sameSite: 'strict' as const,
  secure: ctx.secureCookies,
  path: '/',
  maxAge: OPERATOR_SESSION_MAX_MS,
});

/** The signed-in operator user behind a request's `osid` cookie (cookies must be parsed). */
export function operatorOf(ctx: Pick<AppContext, 'database' | 'pg' | 'clock'>, req: Request): OperatorUser | null | Promise<OperatorUser | null> {
  const token: unknown = req.cookies?.[OPERATOR_SESSION_COOKIE];
  return typeof token === 'string' && token ? operatorForSession({ database: ctx.database, pg: ctx.pg, clock: ctx.clock }, token) : null;
}

/**
 * Every /operateur request: who is signed in, no caching of pages full of buyers' data
 * (downloads included: the routes' exports rely on this header), and no shop navigation (a browser may hold a shop session too; it is not used here).
 */
export function operatorArea(ctx: AppContext) {
  return (req: Request, res: Response, next: NextFunction) =>
    andThen(operatorOf(ctx, req), (user) => {
      res.locals.operatorUser = user;
      res.locals.shopUser = null;
      res.set('Cache-Control', 'no-store');
      next();
    });
}

/**
 * Pages and actions for operator staff. Anonymous visitors (and shop users, who have no
 * operator session) go to the operator sign-in page, GETs coming back after; a signed-in
 * user whose role lacks the permission gets 403.
 */
export function requireOperator(action: OperatorAction) {
  return (req: Request, res: Response, next: NextFunction) => {
    const u = res.locals.operatorUser;
    if (!u) return res.redirect(303, req.method === 'GET' ? `${OPERATOR_SIGN_IN}?next=${encodeURIComponent(req.originalUrl)}` : OPERATOR_SIGN_IN);
    if (!can(u.role, action)) return next(new AppError('FORBIDDEN', 403, 'errors.forbidden'));
    next();
  };
}

/** What the layout's operator navigation needs, plus the page flags every operator page sets. */
export function operatorPage(res: Response, active: string) {
  const u = res.locals.operatorUser!;
  return {
    noIndex: true,
    bodyClass: 'shop-area operator-area',
    operatorNav: { name: u.name, email: u.email, roleLabel: res.locals.t(`operator.role.${u.role}`), settings: can(u.role, 'settings.manage'), personalData: can(u.role, 'personal_data.manage'), [`${active}`]: true },
  };
}
