import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { merchants } from './merchants';

/**
 * One settlement run: every completed, unsettled redemption created up to `cutoff_at`
 * (end of `until`, Europe/Paris). A batch is written in ONE transaction with its
 * statements and the redemptions' `statement_id`, so a crash leaves no batch or a whole
 * one. `message_id` is fixed at creation: re-exporting the SEPA file gives the same file.
 */
export const settlementBatches = sqliteTable(
  'settlement_batches',
  {
    id: text('id').primaryKey(),
    /** Human reference, e.g. RGL-2026-0001. */
    reference: text('reference').notNull().unique(),
    until: text('until').notNull(),
    cutoffAt: text('cutoff_at').notNull(),
    /** SEPA pain.001 MsgId (≤ 35 chars). */
    messageId: text('message_id').notNull().unique(),
    grossCents: integer('gross_cents').notNull(),
    commissionCents: integer('commission_cents').notNull(),
    vatCents: integer('vat_cents').notNull(),
    netCents: integer('net_cents').notNull(),
    /**
     * Set when the batch's SEPA payments are complete: every SEPA statement is in a file
     * the operator confirmed the bank executed (see `sepa_files`).
     */
    sepaExecutedAt: text('sepa_executed_at'),
    sepaExecutedBy: text('sepa_executed_by'),
    createdBy: text('created_by').notNull(),
    createdAt: text('created_at').notNull(),
    /**
     * Set by the slice that writes the batch's last statement. A batch is written in slices
     * of shops, each its own short transaction (the till never waits long for the write
     * lock); while `closed_at` is null the next run resumes it after `merchant_cursor`.
     */
    closedAt: text('closed_at'),
    /** The last merchant id a committed slice of this batch went through (ids in order). */
    merchantCursor: text('merchant_cursor'),
  },
  (t) => [
    index('settlement_batches_until_idx').on(t.until),
    // One open batch at most, however many processes run a settlement at once.
    uniqueIndex('settlement_batches_one_open_uq').on(sql`(1)`).where(sql`${t.closedAt} IS NULL`),
  ],
);

/**
 * What one shop is paid in one batch. Invariant: net + commission + vat = gross + breakage, to the
 * cent (plus any breakage share). `status`: `pending` (to be paid by SEPA or Stripe) → `paid`, or `failed` (Stripe
 * refused; retried by the next run). Bank details are copied at creation: the SEPA file
 * of a batch never changes when a shop edits its IBAN later. The one exception: a copy that
 * cannot be written in a SEPA file (details from before the checks) is refreshed from the
 * shop's corrected details while the statement is in no file yet (audit-logged).
 */
export const statements = sqliteTable(
  'statements',
  {
    id: text('id').primaryKey(),
    /** e.g. REL-2026-000042: the remittance information of the transfer. */
    reference: text('reference').notNull().unique(),
    batchId: text('batch_id').notNull().references(() => settlementBatches.id),
    merchantId: text('merchant_id').notNull().references(() => merchants.id),
    /** The shop's SIRET when the statement was made: its commission invoice names the buyer as issued. */
    merchantSiret: text('merchant_siret'),
    redemptionCount: integer('redemption_count').notNull(),
    grossCents: integer('gross_cents').notNull(),
    commissionCents: integer('commission_cents').notNull(),
    vatCents: integer('vat_cents').notNull(),
    /** Breakage shared to shops (campaigns whose rule is 'merchants'): paid on top, no commission. */
    breakageCents: integer('breakage_cents').notNull().default(0),
    /** net = gross − commission − vat + breakage. */
    netCents: integer('net_cents').notNull(),
    method: text('method', { enum: ['sepa', 'stripe'] }).notNull(),
    iban: text('iban'),
    bic: text('bic'),
    accountHolder: text('account_holder').notNull(),
    stripeAccountId: text('stripe_account_id'),
    stripeTransferId: text('stripe_transfer_id'),
    /**
     * pending → paid (transfer or SEPA executed); failed (refused, or fully reversed);
     * partially_reversed: Stripe took back `reversed_cents` of a paid transfer, the rest stays paid.
     */
    status: text('status', { enum: ['pending', 'paid', 'failed', 'partially_reversed'] }).notNull(),
    failureReason: text('failure_reason'),
    /** The commission invoice (FAC-YYYY-NNNNNN), numbered with the other invoices. */
    invoiceNumber: text('invoice_number').notNull().unique(),
    journalId: text('journal_id').notNull(),
    paidJournalId: text('paid_journal_id'),
    paidAt: text('paid_at'),
    /** What Stripe reversed of the transfer (transfer.amount_reversed): back in payouts_pending, still owed. */
    reversedCents: integer('reversed_cents').notNull().default(0),
    /** The SEPA file of its batch that carries its transfer (`sepa_files.seq`); null: in none yet. */
    sepaFileSeq: integer('sepa_file_seq'),
    /** Why a SEPA statement was left out of its batch's file (e.g. `invalid_holder`); null once in a file. */
    sepaHoldReason: text('sepa_hold_reason'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('statements_batch_merchant_uq').on(t.batchId, t.merchantId), index('statements_merchant_idx').on(t.merchantId)],
);

/** Per statement and campaign (commission rates differ per campaign): the rounding unit. */
export const statementCampaigns = sqliteTable(
  'statement_campaigns',
  {
    statementId: text('statement_id').notNull().references(() => statements.id),
    campaignId: text('campaign_id').notNull(),
    commissionBps: integer('commission_bps').notNull(),
    vatBps: integer('vat_bps').notNull(),
    redemptionCount: integer('redemption_count').notNull(),
    grossCents: integer('gross_cents').notNull(),
    commissionCents: integer('commission_cents').notNull(),
    vatCents: integer('vat_cents').notNull(),
  },
  (t) => [uniqueIndex('statement_campaigns_uq').on(t.statementId, t.campaignId)],
);

/** A shop left out of a batch (no valid bank details, suspended…): visible, never dropped. */
export const settlementHolds = sqliteTable(
  'settlement_holds',
  {
    batchId: text('batch_id').notNull().references(() => settlementBatches.id),
    merchantId: text('merchant_id').notNull().references(() => merchants.id),
    reason: text('reason').notNull(),
    redemptionCount: integer('redemption_count').notNull(),
    grossCents: integer('gross_cents').notNull(),
  },
  (t) => [uniqueIndex('settlement_holds_uq').on(t.batchId, t.merchantId)],
);

/**
 * A pain.001 file of a batch, recorded when it is produced. Its content is fixed from then
 * on (the statements it carries, their stored bank details, its MsgId and creation time), so
 * it can be downloaded again byte for byte. File 1 carries the batch's MsgId; a statement
 * left out (details that could not be written) goes into file 2, 3… once fixed.
 */
export const sepaFiles = sqliteTable(
  'sepa_files',
  {
    batchId: text('batch_id').notNull().references(() => settlementBatches.id),
    seq: integer('seq').notNull(),
    /** pain.001 MsgId (≤ 35 chars): the batch's for file 1, `<batch MsgId>-<seq>` after. */
    messageId: text('message_id').notNull().unique(),
    /** CreDtTm; the requested execution date is the next business day after it. */
    createdAt: text('created_at').notNull(),
    /** Set when the operator confirms the bank executed this file: its statements are paid. */
    executedAt: text('executed_at'),
    executedBy: text('executed_by'),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.seq] })],
);
