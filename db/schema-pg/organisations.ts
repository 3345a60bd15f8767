import { sql } from 'drizzle-orm';
import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';

/** PostgreSQL mirror of db/schema/organisations.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const organisations = pgTable(
  'organisations',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['company', 'municipality'] }).notNull(),
    name: text('name').notNull(),
    siret: text('siret').notNull(),
    vatNumber: text('vat_number'),
    billingAddress: text('billing_address').notNull(),
    postalCode: text('postal_code').notNull(),
    city: text('city').notNull(),
    contactName: text('contact_name').notNull(),
    contactEmail: text('contact_email').notNull(),
    accessTokenHash: text('access_token_hash').notNull(),
    nextAccessTokenHash: text('next_access_token_hash'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('organisations_siret_contact_uq').on(t.siret, t.contactEmail),
    index('organisations_contact_email_norm_idx').on(sql`lower(trim(${t.contactEmail}))`),
  ],
);
