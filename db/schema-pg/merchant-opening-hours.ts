import { sql } from 'drizzle-orm';
import { check, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { int64 } from './columns';
import { merchants } from './merchants';

/** PostgreSQL mirror of db/schema/merchant-opening-hours.ts: same columns, keys, CHECKs and indexes (its comments say why). */
export const merchantOpeningHours = pgTable(
  'merchant_opening_hours',
  {
    merchantId: text('merchant_id').notNull().references(() => merchants.id),
    weekday: int64('weekday').notNull(),
    opensMinute: int64('opens_minute').notNull(),
    closesMinute: int64('closes_minute').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.merchantId, t.weekday, t.opensMinute] }),
    check('merchant_opening_hours_weekday', sql`${t.weekday} BETWEEN 1 AND 7`),
    check('merchant_opening_hours_opens', sql`${t.opensMinute} BETWEEN 0 AND 1439`),
    check('merchant_opening_hours_closes', sql`${t.closesMinute} BETWEEN 1 AND 1440`),
    check('merchant_opening_hours_order', sql`${t.closesMinute} > ${t.opensMinute}`),
  ],
);
