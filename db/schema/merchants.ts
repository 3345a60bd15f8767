import { primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { campaigns } from './campaigns';

/** A partner shop. Only `approved` merchants are shown publicly or accept vouchers. */
export const merchants = sqliteTable('merchants', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  category: text('category').notNull(),
  address: text('address').notNull(),
  postalCode: text('postal_code').notNull(),
  city: text('city').notNull(),
  website: text('website'),
  status: text('status', { enum: ['pending', 'approved', 'suspended', 'rejected'] }).notNull(),
  createdAt: text('created_at').notNull(),
});

/** Which campaigns a merchant accepts. */
export const campaignMerchants = sqliteTable(
  'campaign_merchants',
  {
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    merchantId: text('merchant_id').notNull().references(() => merchants.id),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.merchantId] })],
);
