import { sql } from 'drizzle-orm';
import { check, doublePrecision, primaryKey, pgTable, text } from 'drizzle-orm/pg-core';
import { campaigns } from './campaigns';

/** PostgreSQL mirror of db/schema/merchants.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const merchants = pgTable(
  'merchants',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull().unique(),
    name: text('name').notNull(),
    category: text('category').notNull(),
    address: text('address').notNull(),
    postalCode: text('postal_code').notNull(),
    city: text('city').notNull(),
    website: text('website'),
    siret: text('siret'),
    iban: text('iban'),
    bic: text('bic'),
    accountHolder: text('account_holder'),
    stripeAccountId: text('stripe_account_id'),
    contactEmail: text('contact_email'),
    phone: text('phone'),
    openingHours: text('opening_hours'),
    latitude: doublePrecision('latitude'),
    longitude: doublePrecision('longitude'),
    statusReason: text('status_reason'),
    status: text('status', { enum: ['pending', 'approved', 'suspended', 'rejected'] }).notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    check('merchants_latitude_range', sql`${t.latitude} BETWEEN -90 AND 90`),
    check('merchants_longitude_range', sql`${t.longitude} BETWEEN -180 AND 180`),
  ],
);

export const campaignMerchants = pgTable(
  'campaign_merchants',
  {
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    merchantId: text('merchant_id').notNull().references(() => merchants.id),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.merchantId] })],
);
