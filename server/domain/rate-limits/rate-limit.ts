import type { Tx } from '../../../db/client';
import { sha256 } from '../../lib/ids';
import { runSync, type Step } from '../../../db/unit-of-work';
import { sqliteRateLimitStore, type RateLimitStore } from './rate-limit-store';

/** A fixed-window limit: at most `limit` counted events per key per `windowMs`. */
export interface RateLimitRule {
  /** Names the limit in the bucket (`signin-address`, `reset-account`…). */
  name: string;
  limit: number;
  windowMs: number;
}

export interface Hit {
  /** Count in the current window, this hit included. */
  count: number;
  allowed: boolean;
  /** When the window ends (for Retry-After). */
  resetAt: number;
  /** Where the hit was counted, so it can be taken back (unhit: a sign-in that turned out right). */
  bucket: string;
  windowStart: number;
}

/**
 * Bucket names carry no personal data: an account key (an email as typed) is hashed;
 * addresses are kept as they are (they are what is limited, and expire with the row).
 */
export const accountKey = (email: string) => sha256(email.trim().toLowerCase()).slice(0, 32);

const windowOf = (rule: RateLimitRule, now: number) => Math.floor(now / rule.windowMs) * rule.windowMs;
const bucketOf = (rule: RateLimitRule, key: string) => `${rule.name}:${key}`;

/**
 * Counts one event in the rule's current window and says whether it is within the limit —
 * the rule, written once as Steps over a store (SQLite or PostgreSQL, rate-limit-store*.ts).
 */
export function* hitSteps(store: RateLimitStore, rule: RateLimitRule, key: string, now: number): Step<Hit> {
  const windowStart = windowOf(rule, now);
  const bucket = bucketOf(rule, key);
  const count = yield* store.addHit(bucket, windowStart, windowStart + rule.windowMs);
  return { count, allowed: count <= rule.limit, resetAt: windowStart + rule.windowMs, bucket, windowStart };
}

export function unhitSteps(store: RateLimitStore, h: Pick<Hit, 'bucket' | 'windowStart'>): Step<void> {
  return store.removeHit(h.bucket, h.windowStart);
}

/** Whether the key is already at its limit (without counting). */
export function* exhaustedSteps(store: RateLimitStore, rule: RateLimitRule, key: string, now: number): Step<boolean> {
  return (yield* store.hitCount(bucketOf(rule, key), windowOf(rule, now))) >= rule.limit;
}

let lastPrune = 0;
/** Deletes ended windows, at most once a minute per process (a cheap indexed DELETE). */
export function* pruneSteps(store: RateLimitStore, now: number): Step<void> {
  if (now - lastPrune < 60_000 && now >= lastPrune) return;
  lastPrune = now;
  yield* store.deleteExpiredHits(now);
}

/** The same rules in the caller's SQLite transaction (callers that hold one: password reset, tests). */
export const hit = (tx: Tx, rule: RateLimitRule, key: string, now: number): Hit => runSync(hitSteps(sqliteRateLimitStore(tx), rule, key, now));
export const unhit = (tx: Tx, h: Pick<Hit, 'bucket' | 'windowStart'>): void => runSync(unhitSteps(sqliteRateLimitStore(tx), h));
export const exhausted = (tx: Tx, rule: RateLimitRule, key: string, now: number): boolean => runSync(exhaustedSteps(sqliteRateLimitStore(tx), rule, key, now));
export const pruneHits = (tx: Tx, now: number): void => runSync(pruneSteps(sqliteRateLimitStore(tx), now));
