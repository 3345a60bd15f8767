import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { campaigns } from './campaigns';
import { merchants } from './merchants';
import { vouchers } from './vouchers';

/**
 * A shop taking an amount from a voucher. `completed` → `voided` (within the void window,
 * by the same shop) only. The unique (merchant, idempotency_key) pair makes a retried
 * request return the first result instead of debiting twice; `request_fingerprint` tells
 * a true retry from a reuse of the key for another request.
 */
export const redemptions = sqliteTable(
  'redemptions',
  {
    id: text('id').primaryKey(),
    /** Human number shown on the till's success screen, sequential across the platform. */
    number: integer('number').notNull().unique(),
    merchantId: text('merchant_id').notNull().references(() => merchants.id),
    voucherId: text('voucher_id').notNull().references(() => vouchers.id),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    amountCents: integer('amount_cents').notNull(),
    status: text('status', { enum: ['completed', 'voided'] }).notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    requestFingerprint: text('request_fingerprint').notNull(),
    actor: text('actor').notNull(),
    journalId: text('journal_id').notNull(),
    createdAt: text('created_at').notNull(),
    voidedAt: text('voided_at'),
    voidedBy: text('voided_by'),
    voidJournalId: text('void_journal_id'),
    /** The statement that paid it: set once, by the settlement (exactly-once payment). */
    statementId: text('statement_id'),
  },
  (t) => [
    uniqueIndex('redemptions_idempotency_uq').on(t.merchantId, t.idempotencyKey),
    // (created_at, number): the keyset of the shop's operations export (migration 0018).
    index('redemptions_merchant_id_created_at_number_idx').on(t.merchantId, t.createdAt, t.number),
    // A statement's lines by keyset; partial, so the till's inserts (no statement yet) skip it.
    index('redemptions_statement_id_created_at_number_idx').on(t.statementId, t.createdAt, t.number).where(sql`${t.statementId} IS NOT NULL`),
    // Unsettled redemptions of a shop up to a cut-off (statement_id IS NULL is an equality
    // for the index) and a statement's redemptions, read by range (migration 0019).
    index('redemptions_statement_id_merchant_id_created_at_idx').on(t.statementId, t.merchantId, t.createdAt),
    // No index on voucher_id: a voucher's history is read through movements (which carry
    // redemption_id), and every index here is paid by each till call (see bench/).
    check('redemptions_amount_positive', sql`${t.amountCents} > 0`),
    check('redemptions_status', sql`${t.status} IN ('completed', 'voided')`),
  ],
);
