import type { NextFunction, Request, Response } from 'express';
import { andThen, sqliteUnits, type Units } from '../../../db/store-units';
import { accountKey, hitSteps, pruneSteps, unhitSteps, type Hit, type RateLimitRule } from '../../domain/rate-limits/rate-limit';
import { sqliteRateLimitStore, type RateLimitStore } from '../../domain/rate-limits/rate-limit-store';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';

const QUARTER_HOUR = 15 * 60_000;

const sqliteDefaults = new WeakMap<object, Units<RateLimitStore>>();
/**
 * Where the counters live: `ctx.rateLimitUnits` when the app was given one (PostgreSQL:
 * pgUnits over pgRateLimitStore), else the app's SQLite database. On SQLite every limiter
 * below stays synchronous; on PostgreSQL it answers once its statement has.
 */
export function rateLimitUnits(ctx: Pick<AppContext, 'database' | 'rateLimitUnits'>): Units<RateLimitStore> {
  if (ctx.rateLimitUnits) return ctx.rateLimitUnits;
  let units = sqliteDefaults.get(ctx.database);
  if (!units) sqliteDefaults.set(ctx.database, (units = sqliteUnits(ctx.database, sqliteRateLimitStore)));
  return units;
}

/** One hit on `rule` for `key`, in its own transaction (old windows pruned on the way). */
function countHit(ctx: AppContext, rule: RateLimitRule, key: string, now: number): Hit | Promise<Hit> {
  return rateLimitUnits(ctx)(function* (store) {
    yield* pruneSteps(store, now);
    return yield* hitSteps(store, rule, key, now);
  });
}

/** Takes hits back in one transaction; a failure here only leaves a count in place (logged by the caller's error path). */
function countBack(ctx: AppContext, hits: Hit[]): void | Promise<void> {
  return rateLimitUnits(ctx)(function* (store) {
    for (const h of hits) yield* unhitSteps(store, h);
  });
}

/** 429 with Retry-After when any hit is past its limit. */
function refuseIfOver(res: Response, hits: Hit[], now: number): void {
  const over = hits.filter((h) => !h.allowed);
  if (!over.length) return;
  res.set('Retry-After', String(Math.ceil((Math.max(...over.map((h) => h.resetAt)) - now) / 1000)));
  throw new AppError('RATE_LIMITED', 429, 'errors.rate_limited');
}

export interface SignInAttempt {
  succeeded: () => void | Promise<void>;
}

/**
 * Sign-in forms (shops and operator staff, limited apart): per address and per account,
 * in the database so every server process sees the same counts. The attempt is counted
 * BEFORE the password is checked (parallel guesses cannot slip past the limit) and taken
 * back when it succeeds, so only failures count. An account is the email as typed, known
 * or not: the limit itself tells nothing about which accounts exist.
 */
export function signInLimiter(ctx: AppContext, realm: 'shop' | 'operator') {
  const byAddress: RateLimitRule = { name: `${realm}-signin-address`, limit: ctx.rateLimits.signInsPer15Min, windowMs: QUARTER_HOUR };
  const byAccount: RateLimitRule = { name: `${realm}-signin-account`, limit: ctx.rateLimits.signInFailuresPerAccountPer15Min, windowMs: QUARTER_HOUR };
  return {
    /**
     * Counts the attempt; throws (or rejects with) RATE_LIMITED past either limit. Returns
     * what to call on success. Synchronous on SQLite; callers `await` it for PostgreSQL.
     */
    attempt(req: Request, res: Response, email: string): SignInAttempt | Promise<SignInAttempt> {
      const now = ctx.clock.now().getTime();
      const counted = rateLimitUnits(ctx)(function* (store) {
        yield* pruneSteps(store, now);
        return [yield* hitSteps(store, byAddress, req.ip ?? '', now), yield* hitSteps(store, byAccount, accountKey(email), now)];
      });
      return andThen(counted, (hits) => {
        refuseIfOver(res, hits, now);
        return { succeeded: () => countBack(ctx, hits) };
      });
    },
  };
}

/**
 * Forms where every request may send a mail (password reset, organisation link): each
 * request counts per address, in the database. (Per account, the reset task limits the
 * mails themselves.)
 */
export function mailFormLimiter(ctx: AppContext, name: string, limit: number, windowMs = QUARTER_HOUR) {
  const rule: RateLimitRule = { name, limit, windowMs };
  return (req: Request, res: Response, next: NextFunction): void | Promise<void> => {
    const now = ctx.clock.now().getTime();
    return andThen(countHit(ctx, rule, req.ip ?? '', now), (h) => {
      refuseIfOver(res, [h], now);
      next();
    });
  };
}

/**
 * Holders' voucher pages: only misses (404: unknown, malformed or mistyped code) count,
 * per address, in the database. Each request is counted first (parallel guesses cannot
 * slip past) and taken back once it answers anything but a 404, so a holder opening their
 * voucher is never limited.
 */
export function lookupMissLimiter(ctx: AppContext, name: string, limit: number, windowMs: number) {
  const rule: RateLimitRule = { name, limit, windowMs };
  return (req: Request, res: Response, next: NextFunction): void | Promise<void> => {
    const now = ctx.clock.now().getTime();
    return andThen(countHit(ctx, rule, req.ip ?? '', now), (h) => {
      res.once('finish', () => {
        if (res.statusCode === 404) return;
        // After the answer: nobody is left to tell, so a failed take-back is logged, not thrown.
        const logFailure = (err: unknown) => ctx.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'rate-limit hit not taken back');
        try {
          const back = countBack(ctx, [h]);
          if (back instanceof Promise) back.catch(logFailure);
        } catch (err) {
          logFailure(err);
        }
      });
      refuseIfOver(res, [h], now);
      next();
    });
  };
}

/**
 * Order creation (API, organisation form, residents' form) and shop applications: every
 * request counts per address, in the database.
 */
export function orderCreationLimiter(ctx: AppContext, name = 'order-address') {
  return mailFormLimiter(ctx, name, ctx.rateLimits.ordersPer10Min, 10 * 60_000);
}

/**
 * Orders per buyer email, from any address: each order makes us write to the address the
 * caller typed (the order mail, or the organisation's confirmation request), so whoever
 * rotates addresses still cannot flood one inbox. Called once the body is read.
 */
export function countOrderForEmail(ctx: AppContext, res: Response, email: string): void | Promise<void> {
  const rule: RateLimitRule = { name: 'order-email', limit: ctx.rateLimits.ordersPerEmailPerHour, windowMs: 60 * 60_000 };
  const now = ctx.clock.now().getTime();
  return andThen(rateLimitUnits(ctx)((store) => hitSteps(store, rule, accountKey(email), now)), (h) => refuseIfOver(res, [h], now));
}

/**
 * Failed voucher lookups at the POS API, per address, in the database — written on a miss
 * only, so a successful redemption pays no database write: a call is refused when this
 * process has seen its address go past the limit (a Map lookup). Another process learns it
 * at that address's next miss, which then answers 429 instead of 404: across processes no
 * more than `limit` misses per window get their answer.
 */
export class DbMissLimiter {
  private readonly blockedUntil = new Map<string, number>();
  private readonly rule: RateLimitRule;

  constructor(private readonly ctx: AppContext, name: string, limit: number, windowMs: number) {
    this.rule = { name, limit, windowMs };
  }

  blocked(ip: string): boolean {
    const until = this.blockedUntil.get(ip);
    if (until === undefined) return false;
    if (until > this.ctx.clock.now().getTime()) return true;
    this.blockedUntil.delete(ip);
    return false;
  }

  /** Counts a miss; true when it went past the limit (its answer becomes the 429, so the shared limit holds exactly for misses). */
  miss(ip: string): boolean | Promise<boolean> {
    const now = this.ctx.clock.now().getTime();
    return andThen(countHit(this.ctx, this.rule, ip, now), (h) => {
      if (h.count >= this.rule.limit) {
        if (this.blockedUntil.size >= 10_000) for (const [k, t] of this.blockedUntil) if (t <= now) this.blockedUntil.delete(k);
        this.blockedUntil.set(ip, h.resetAt);
      }
      return !h.allowed;
    });
  }

  middleware() {
    return (req: Request, _res: Response, next: NextFunction) => next(this.blocked(req.ip ?? '') ? new AppError('RATE_LIMITED', 429, 'errors.rate_limited') : undefined);
  }
}
