import { sql } from 'drizzle-orm';
import { index, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * A company, works council or public body that orders in bulk. One row per (SIRET,
 * contact email): the contact's page (link by email, no password) lists the orders placed
 * with that address only, so typing someone else's SIRET shows nothing of theirs.
 */
export const organisations = sqliteTable(
  'organisations',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['company', 'municipality'] }).notNull(),
    name: text('name').notNull(),
    siret: text('siret').notNull(),
    vatNumber: text('vat_number'),
    /** Street lines, one per line. */
    billingAddress: text('billing_address').notNull(),
    postalCode: text('postal_code').notNull(),
    city: text('city').notNull(),
    contactName: text('contact_name').notNull(),
    contactEmail: text('contact_email').notNull(),
    /** SHA-256 of the secret in the contact's page link; the secret itself is never stored. */
    accessTokenHash: text('access_token_hash').notNull(),
    /**
     * SHA-256 of a new link's secret sent by the "send me my link" form: it replaces
     * access_token_hash only when the contact first opens it, so a request by anyone who
     * knows the SIRET and email never revokes the link in use.
     */
    nextAccessTokenHash: text('next_access_token_hash'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('organisations_siret_contact_uq').on(t.siret, t.contactEmail),
    index('organisations_contact_email_norm_idx').on(sql`lower(trim(${t.contactEmail}))`),
  ],
);
