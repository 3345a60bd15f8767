import { sql } from 'drizzle-orm';
import { check, index, pgSequence, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { int64 } from './columns';
import { campaigns } from './campaigns';
import { merchants } from './merchants';
import { vouchers } from './vouchers';

/** PostgreSQL mirror of db/schema/redemptions.ts: same columns, keys, CHECKs and indexes (its comments say why). */

/**
 * Where redemption numbers come from on PostgreSQL: concurrent tills cannot share a MAX()+1
 * without a global lock (numbers may skip after a rollback: they are shown, not accounted).
 * copy-database sets it to the highest number copied.
 */
export const redemptionNumberSeq = pgSequence('redemption_number_seq');

export const redemptions = pgTable(
  'redemptions',
  {
    id: text('id').primaryKey(),
    number: int64('number').notNull().unique().default(sql`nextval('redemption_number_seq')`),
    merchantId: text('merchant_id').notNull().references(() => merchants.id),
    voucherId: text('voucher_id').notNull().references(() => vouchers.id),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    amountCents: int64('amount_cents').notNull(),
    status: text('status', { enum: ['completed', 'voided'] }).notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    requestFingerprint: text('request_fingerprint').notNull(),
    actor: text('actor').notNull(),
    journalId: text('journal_id').notNull(),
    createdAt: text('created_at').notNull(),
    voidedAt: text('voided_at'),
    voidedBy: text('voided_by'),
    voidJournalId: text('void_journal_id'),
    statementId: text('statement_id'),
  },
  (t) => [
    uniqueIndex('redemptions_idempotency_uq').on(t.merchantId, t.idempotencyKey),
    index('redemptions_merchant_id_created_at_number_idx').on(t.merchantId, t.createdAt, t.number),
    index('redemptions_statement_id_created_at_number_idx').on(t.statementId, t.createdAt, t.number).where(sql`${t.statementId} IS NOT NULL`),
    index('redemptions_statement_id_merchant_id_created_at_idx').on(t.statementId, t.merchantId, t.createdAt),
    check('redemptions_amount_positive', sql`${t.amountCents} > 0`),
    check('redemptions_status', sql`${t.status} IN ('completed', 'voided')`),
  ],
);
