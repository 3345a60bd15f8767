import { sql } from 'drizzle-orm';
import { check, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { merchants } from './merchants';

/**
 * A shop's weekly opening hours, one row per slot (a shop open 9–12 and 14–19 on Tuesday
 * has two Tuesday rows); a day without rows is closed. Times are minutes since midnight,
 * Paris wall-clock time, so that the CHECKs are plain integer comparisons on SQLite and
 * PostgreSQL alike. A slot never runs past midnight (closes ≤ 1440 and after it opens): a
 * late evening is entered as two slots, one on each day. Overlaps are refused by the form
 * (server/domain/merchants/opening-hours.ts); the key keeps two slots from opening together.
 */
export const merchantOpeningHours = sqliteTable(
  'merchant_opening_hours',
  {
    merchantId: text('merchant_id').notNull().references(() => merchants.id),
    /** ISO weekday: 1 = Monday … 7 = Sunday. */
    weekday: integer('weekday').notNull(),
    opensMinute: integer('opens_minute').notNull(),
    closesMinute: integer('closes_minute').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.merchantId, t.weekday, t.opensMinute] }),
    check('merchant_opening_hours_weekday', sql`${t.weekday} BETWEEN 1 AND 7`),
    check('merchant_opening_hours_opens', sql`${t.opensMinute} BETWEEN 0 AND 1439`),
    check('merchant_opening_hours_closes', sql`${t.closesMinute} BETWEEN 1 AND 1440`),
    check('merchant_opening_hours_order', sql`${t.closesMinute} > ${t.opensMinute}`),
  ],
);
