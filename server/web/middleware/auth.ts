import type { NextFunction, Request, Response } from 'express';
import { andThen, sqliteDirect, type Units } from '../../../db/store-units';
import { sqliteApiKeyStore, type ApiKeyStore } from '../../domain/merchants/api-key-store';
import { keyAuthSteps, type ApiKey, type LiveKey } from '../../domain/merchants/api-keys-service';
import { type SignedInUser } from '../../domain/merchants/merchant-users-service';
import { shopUserOf } from '../../domain/merchants/session-user';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';
import { csrfHeaderValid } from './csrf';

export const SESSION_COOKIE = 'sid';

declare global {
  namespace Express {
    interface Locals {
      shopUser?: SignedInUser | null;
      apiActor?: ApiActor;
    }
  }
}

/** Who is calling the API: a shop (by key or by a signed-in user) or the operator (admin key). */
export type ApiActor =
  | { kind: 'merchant'; merchantId: string; actor: string; key?: ApiKey }
  | { kind: 'admin'; actor: string; key: ApiKey };

/** Loads the signed-in shop user (if any) for pages and the layout. */
export function sessionUser(ctx: AppContext) {
  const deps = { ...ctx.users, pg: ctx.pg };
  return (req: Request, res: Response, next: NextFunction) =>
    andThen(shopUserOf(deps, req.cookies?.[SESSION_COOKIE]), (user) => {
      res.locals.shopUser = user;
      next();
    });
}

/** Pages for shop users: anonymous visitors go to the sign-in page and come back after. */
export function requireShopUser(role?: 'owner') {
  return (req: Request, res: Response, next: NextFunction) => {
    const u = res.locals.shopUser;
    if (!u) return res.redirect(303, `/connexion?next=${encodeURIComponent(req.originalUrl)}`);
    if (role && u.user.role !== role) return next(new AppError('FORBIDDEN', 403, 'errors.forbidden'));
    next();
  };
}

/** The credential of an `Authorization: Bearer …` header, if any. */
export const bearerOf = (req: Request): string | undefined => /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];

const sqliteKeyReads = new WeakMap<object, Units<ApiKeyStore>>();
/** Where keys are read: `ctx.apiKeyUnits` (PostgreSQL), else the SQLite database outside any transaction (one prepared read per call, as before). */
function apiKeyReads(ctx: AppContext): Units<ApiKeyStore> {
  if (ctx.apiKeyUnits) return ctx.apiKeyUnits;
  let units = sqliteKeyReads.get(ctx.database);
  if (!units) sqliteKeyReads.set(ctx.database, (units = sqliteDirect(ctx.database, sqliteApiKeyStore)));
  return units;
}

/**
 * API authentication: a bearer key, or the session cookie of a shop user (our own till
 * page) — then state-changing calls must carry the CSRF header. A locked key (too many
 * failed lookups) is refused until its lock ends.
 */
export function apiAuth(ctx: AppContext, allowed: 'merchant' | 'admin') {
  return (req: Request, res: Response, next: NextFunction) => {
    const now = ctx.clock.now();
    const bearer = bearerOf(req);
    if (bearer) {
      let auth: LiveKey | Promise<LiveKey>;
      try {
        auth = apiKeyReads(ctx)((store) => keyAuthSteps(store, bearer, allowed, now));
      } catch (err) {
        return next(err);
      }
      return andThen(auth, (key) => {
        res.locals.apiActor = key.kind === 'admin' ? { kind: 'admin', actor: `key:${key.id}`, key } : { kind: 'merchant', merchantId: key.merchantId!, actor: `key:${key.id}`, key };
        next();
      });
    }
    if (allowed !== 'merchant') return next(new AppError('UNAUTHORIZED', 401, 'errors.unauthorized'));
    return andThen(shopUserOf({ ...ctx.users, pg: ctx.pg }, req.cookies?.[SESSION_COOKIE]), (u) => {
      if (!u) return next(new AppError('UNAUTHORIZED', 401, 'errors.unauthorized'));
      if (req.method !== 'GET' && req.method !== 'HEAD' && !csrfHeaderValid(ctx.config.sessionSecret, req)) return next(new AppError('CSRF_FAILED', 403, 'errors.csrf_failed'));
      res.locals.apiActor = { kind: 'merchant', merchantId: u.merchant.id, actor: `user:${u.user.id}` };
      next();
    });
  };
}

export function merchantActor(res: Response): Extract<ApiActor, { kind: 'merchant' }> {
  const a = res.locals.apiActor;
  if (!a || a.kind !== 'merchant') throw new AppError('FORBIDDEN', 403, 'errors.forbidden');
  return a;
}
