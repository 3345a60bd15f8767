import type { NextFunction, Request, Response } from 'express';
import { accountKey, hit, pruneHits, unhit, type Hit, type RateLimitRule } from '../../domain/rate-limits/rate-limit';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';

const QUARTER_HOUR = 15 * 60_000;

/** One hit on `rule` for `key`, in its own transaction (old windows pruned on the way). */
function countHit(ctx: AppContext, rule: RateLimitRule, key: string, now: number): Hit {
  return ctx.database.transaction((tx) => {
    pruneHits(tx, now);
    return hit(tx, rule, key, now);
  });
}

/** 429 with Retry-After when any hit is past its limit. */
function refuseIfOver(res: Response, hits: Hit[], now: number): void {
  const over = hits.filter((h) => !h.allowed);
  if (!over.length) return;
  res.set('Retry-After', String(Math.ceil((Math.max(...over.map((h) => h.resetAt)) - now) / 1000)));
  throw new AppError('RATE_LIMITED', 429, 'errors.rate_limited');
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
    /** Counts the attempt; throws RATE_LIMITED past either limit. Returns what to call on success. */
    attempt(req: Request, res: Response, email: string): { succeeded: () => void } {
      const now = ctx.clock.now().getTime();
      const hits = ctx.database.transaction((tx) => {
        pruneHits(tx, now);
        return [hit(tx, byAddress, req.ip ?? '', now), hit(tx, byAccount, accountKey(email), now)];
      });
      refuseIfOver(res, hits, now);
      return { succeeded: () => ctx.database.transaction((tx) => hits.forEach((h) => unhit(tx, h))) };
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
  return (req: Request, res: Response, next: NextFunction): void => {
    const now = ctx.clock.now().getTime();
    const h = countHit(ctx, rule, req.ip ?? '', now);
    refuseIfOver(res, [h], now);
    next();
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
  return (req: Request, res: Response, next: NextFunction): void => {
    const now = ctx.clock.now().getTime();
    const h = countHit(ctx, rule, req.ip ?? '', now);
    res.once('finish', () => {
      if (res.statusCode !== 404) ctx.database.transaction((tx) => unhit(tx, h));
    });
    refuseIfOver(res, [h], now);
    next();
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
export function countOrderForEmail(ctx: AppContext, res: Response, email: string): void {
  const rule: RateLimitRule = { name: 'order-email', limit: ctx.rateLimits.ordersPerEmailPerHour, windowMs: 60 * 60_000 };
  const now = ctx.clock.now().getTime();
  const h = ctx.database.transaction((tx) => hit(tx, rule, accountKey(email), now));
  refuseIfOver(res, [h], now);
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
  miss(ip: string): boolean {
    const now = this.ctx.clock.now().getTime();
    const h = countHit(this.ctx, this.rule, ip, now);
    if (h.count >= this.rule.limit) {
      if (this.blockedUntil.size >= 10_000) for (const [k, t] of this.blockedUntil) if (t <= now) this.blockedUntil.delete(k);
      this.blockedUntil.set(ip, h.resetAt);
    }
    return !h.allowed;
  }

  middleware() {
    return (req: Request, _res: Response, next: NextFunction) => next(this.blocked(req.ip ?? '') ? new AppError('RATE_LIMITED', 429, 'errors.rate_limited') : undefined);
  }
}
