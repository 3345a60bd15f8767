import type { Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import { addHit, deleteExpiredHits, hitCount, removeHit } from './rate-limits-repository';

/**
 * What the rate-limit rules (rate-limit.ts) need from the database, as Steps (db/unit-of-work.ts):
 * the same rules run on SQLite (this file) and on PostgreSQL (rate-limit-store-pg.ts).
 */
export interface RateLimitStore {
  /** Adds one to the bucket's window and returns the new count, atomically. */
  addHit(bucket: string, windowStart: number, expiresAt: number): Step<number>;
  removeHit(bucket: string, windowStart: number): Step<void>;
  hitCount(bucket: string, windowStart: number): Step<number>;
  deleteExpiredHits(now: number): Step<number>;
}

/** SQLite: the repository's statements, run in the caller's transaction. */
export function sqliteRateLimitStore(tx: Tx): RateLimitStore {
  return {
    addHit: (bucket, windowStart, expiresAt) => done(addHit(tx, bucket, windowStart, expiresAt)),
    removeHit: (bucket, windowStart) => done(removeHit(tx, bucket, windowStart)),
    hitCount: (bucket, windowStart) => done(hitCount(tx, bucket, windowStart)),
    deleteExpiredHits: (now) => done(deleteExpiredHits(tx, now)),
  };
}
