import { check, index, primaryKey, pgTable, text } from 'drizzle-orm/pg-core';
import { int64 } from './columns';
import { sql } from 'drizzle-orm';

/** PostgreSQL mirror of db/schema/rate-limits.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const rateLimitHits = pgTable(
  'rate_limit_hits',
  {
    bucket: text('bucket').notNull(),
    windowStart: int64('window_start').notNull(),
    count: int64('count').notNull(),
    expiresAt: int64('expires_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.bucket, t.windowStart] }),
    index('rate_limit_hits_expires_idx').on(t.expiresAt),
    check('rate_limit_hits_count_check', sql`${t.count} >= 0`),
  ],
);
