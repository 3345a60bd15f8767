import { sql } from 'drizzle-orm';
import { check, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { campaigns } from './campaigns';

/** A partner shop. Only `approved` merchants are shown publicly or accept vouchers. */
export const merchants = sqliteTable(
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
    /** Bank details for SEPA settlement; checked (mod 97) when entered, again at settlement. */
    iban: text('iban'),
    bic: text('bic'),
    accountHolder: text('account_holder'),
    /** A connected Stripe account: settled by Stripe Connect transfers instead of SEPA. */
    stripeAccountId: text('stripe_account_id'),
    contactEmail: text('contact_email'),
    phone: text('phone'),
    openingHours: text('opening_hours'),
    /** Where the shop is on the map (WGS 84 degrees), both or neither: only used when MAP_TILE_URL is set. */
    latitude: real('latitude'),
    longitude: real('longitude'),
    statusReason: text('status_reason'),
    status: text('status', { enum: ['pending', 'approved', 'suspended', 'rejected'] }).notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    check('merchants_latitude_range', sql`${t.latitude} BETWEEN -90 AND 90`),
    check('merchants_longitude_range', sql`${t.longitude} BETWEEN -180 AND 180`),
  ],
);

/** Which campaigns a merchant accepts. */
export const campaignMerchants = sqliteTable(
  'campaign_merchants',
  {
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    merchantId: text('merchant_id').notNull().references(() => merchants.id),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.merchantId] })],
);
