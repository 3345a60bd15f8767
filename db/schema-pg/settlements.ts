import { sql } from 'drizzle-orm';
import { index, primaryKey, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { int64 } from './columns';
import { merchants } from './merchants';

/** PostgreSQL mirror of db/schema/settlements.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const settlementBatches = pgTable(
  'settlement_batches',
  {
    id: text('id').primaryKey(),
    reference: text('reference').notNull().unique(),
    until: text('until').notNull(),
    cutoffAt: text('cutoff_at').notNull(),
    messageId: text('message_id').notNull().unique(),
    grossCents: int64('gross_cents').notNull(),
    commissionCents: int64('commission_cents').notNull(),
    vatCents: int64('vat_cents').notNull(),
    netCents: int64('net_cents').notNull(),
    sepaExecutedAt: text('sepa_executed_at'),
    sepaExecutedBy: text('sepa_executed_by'),
    createdBy: text('created_by').notNull(),
    createdAt: text('created_at').notNull(),
    closedAt: text('closed_at'),
    merchantCursor: text('merchant_cursor'),
  },
  (t) => [
    index('settlement_batches_until_idx').on(t.until),
    uniqueIndex('settlement_batches_one_open_uq').on(sql`(1)`).where(sql`${t.closedAt} IS NULL`),
  ],
);

export const statements = pgTable(
  'statements',
  {
    id: text('id').primaryKey(),
    reference: text('reference').notNull().unique(),
    batchId: text('batch_id').notNull().references(() => settlementBatches.id),
    merchantId: text('merchant_id').notNull().references(() => merchants.id),
    merchantSiret: text('merchant_siret'),
    redemptionCount: int64('redemption_count').notNull(),
    grossCents: int64('gross_cents').notNull(),
    commissionCents: int64('commission_cents').notNull(),
    vatCents: int64('vat_cents').notNull(),
    breakageCents: int64('breakage_cents').notNull().default(0),
    netCents: int64('net_cents').notNull(),
    method: text('method', { enum: ['sepa', 'stripe'] }).notNull(),
    iban: text('iban'),
    bic: text('bic'),
    accountHolder: text('account_holder').notNull(),
    stripeAccountId: text('stripe_account_id'),
    stripeTransferId: text('stripe_transfer_id'),
    status: text('status', { enum: ['pending', 'paid', 'failed', 'partially_reversed'] }).notNull(),
    failureReason: text('failure_reason'),
    invoiceNumber: text('invoice_number').notNull().unique(),
    journalId: text('journal_id').notNull(),
    paidJournalId: text('paid_journal_id'),
    paidAt: text('paid_at'),
    reversedCents: int64('reversed_cents').notNull().default(0),
    sepaFileSeq: int64('sepa_file_seq'),
    sepaHoldReason: text('sepa_hold_reason'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('statements_batch_merchant_uq').on(t.batchId, t.merchantId), index('statements_merchant_idx').on(t.merchantId)],
);

export const statementCampaigns = pgTable(
  'statement_campaigns',
  {
    statementId: text('statement_id').notNull().references(() => statements.id),
    campaignId: text('campaign_id').notNull(),
    commissionBps: int64('commission_bps').notNull(),
    vatBps: int64('vat_bps').notNull(),
    redemptionCount: int64('redemption_count').notNull(),
    grossCents: int64('gross_cents').notNull(),
    commissionCents: int64('commission_cents').notNull(),
    vatCents: int64('vat_cents').notNull(),
  },
  (t) => [uniqueIndex('statement_campaigns_uq').on(t.statementId, t.campaignId)],
);

export const settlementHolds = pgTable(
  'settlement_holds',
  {
    batchId: text('batch_id').notNull().references(() => settlementBatches.id),
    merchantId: text('merchant_id').notNull().references(() => merchants.id),
    reason: text('reason').notNull(),
    redemptionCount: int64('redemption_count').notNull(),
    grossCents: int64('gross_cents').notNull(),
  },
  (t) => [uniqueIndex('settlement_holds_uq').on(t.batchId, t.merchantId)],
);

export const sepaFiles = pgTable(
  'sepa_files',
  {
    batchId: text('batch_id').notNull().references(() => settlementBatches.id),
    seq: int64('seq').notNull(),
    messageId: text('message_id').notNull().unique(),
    createdAt: text('created_at').notNull(),
    executedAt: text('executed_at'),
    executedBy: text('executed_by'),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.seq] })],
);
