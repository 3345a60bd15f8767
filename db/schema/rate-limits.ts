import { check, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';

/**
 * Rate-limit counters shared by every server process on the database (sign-in failures,
 * password-reset requests and mails), one row per bucket and fixed window. `bucket` is
 * `<limit>:<key>` (an address or a hashed account key); `window_start` and `expires_at`
 * are epoch milliseconds. Rows are added and counted with one atomic
 * INSERT … ON CONFLICT … DO UPDATE … RETURNING and deleted once expired.
 */
export const rateLimitHits = sqliteTable(
  'rate_limit_hits',
  {
    bucket: text('bucket').notNull(),
    windowStart: integer('window_start').notNull(),
    count: integer('count').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.bucket, t.windowStart] }),
    index('rate_limit_hits_expires_idx').on(t.expiresAt),
    check('rate_limit_hits_count_check', sql`${t.count} >= 0`),
  ],
);
