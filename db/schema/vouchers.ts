import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { campaigns } from './campaigns';
import { orderItems, orders } from './orders';

/**
 * A bearer instrument. `code` is stored normalised (no dashes, upper case).
 * Invariant: balance_cents = Σ movements.amount_cents of this voucher, 0 ≤ balance ≤ amount.
 * Written only by the ledger writer (server/domain/vouchers/voucher-ledger.ts). The CHECKs
 * (migration 0007) back its rules: value > 0, 0 ≤ balance ≤ value, a known status, active
 * above 0, spent and cancelled at 0 (no value stranded on a cancelled code). `expired` may
 * briefly hold a late void's amount until the next expiry run sweeps it.
 * A replacement (reissue) keeps the value of the voucher it replaces and opens with the
 * balance carried over.
 */
export const vouchers = sqliteTable(
  'vouchers',
  {
    id: text('id').primaryKey(),
    code: text('code').notNull().unique(),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    orderId: text('order_id').notNull().references(() => orders.id),
    orderItemId: text('order_item_id').notNull().references(() => orderItems.id),
    amountCents: integer('amount_cents').notNull(),
    balanceCents: integer('balance_cents').notNull(),
    status: text('status', { enum: ['active', 'spent', 'expired', 'cancelled', 'blocked'] }).notNull(),
    recipientName: text('recipient_name'),
    recipientEmail: text('recipient_email'),
    message: text('message'),
    issuedAt: text('issued_at').notNull(),
    /** The last instant of validity: end of the expiry day, Europe/Paris, as UTC ISO. */
    expiresAt: text('expires_at').notNull(),
    /** A reissued voucher points at the lost one it replaces (same balance and expiry). */
    reissuedFrom: text('reissued_from'),
    /** Why support blocked it (lost, stolen…); cleared on unblock. */
    blockReason: text('block_reason'),
    /** When the holder was reminded of the coming expiry (once). */
    expiryRemindedAt: text('expiry_reminded_at'),
  },
  (t) => [
    index('vouchers_order_idx').on(t.orderId),
    index('vouchers_campaign_idx').on(t.campaignId),
    // The expiry's keyset on PostgreSQL (no rowid there): a campaign's vouchers in id order (migration 0033).
    index('vouchers_campaign_id_idx').on(t.campaignId, t.id),
    // Follows a reissue from the old code (a late void credits the replacement); partial: replacements only.
    index('vouchers_reissued_from_idx').on(t.reissuedFrom).where(sql`${t.reissuedFrom} IS NOT NULL`),
    // Support's search by the recipient's whole email, any case; partial: most have none (migration 0016).
    index('vouchers_recipient_email_idx').on(sql`lower(${t.recipientEmail})`).where(sql`${t.recipientEmail} IS NOT NULL`),
    index('vouchers_recipient_email_norm_idx').on(sql`lower(trim(${t.recipientEmail}))`).where(sql`${t.recipientEmail} IS NOT NULL`),
    check('vouchers_amount_positive', sql`${t.amountCents} > 0`),
    check('vouchers_balance_within_value', sql`${t.balanceCents} >= 0 AND ${t.balanceCents} <= ${t.amountCents}`),
    check('vouchers_status', sql`${t.status} IN ('active', 'spent', 'expired', 'cancelled', 'blocked')`),
    check('vouchers_status_balance', sql`(${t.status} != 'active' OR ${t.balanceCents} > 0) AND (${t.status} NOT IN ('spent', 'cancelled') OR ${t.balanceCents} = 0)`),
  ],
);

/** Append-only, signed changes of a voucher's balance. Never updated, never deleted. */
export const movements = sqliteTable(
  'movements',
  {
    id: text('id').primaryKey(),
    voucherId: text('voucher_id').notNull().references(() => vouchers.id),
    seq: integer('seq').notNull(),
    kind: text('kind', { enum: ['issue', 'redeem', 'void', 'expire', 'cancel', 'adjust'] }).notNull(),
    amountCents: integer('amount_cents').notNull(),
    balanceAfterCents: integer('balance_after_cents').notNull(),
    journalId: text('journal_id'),
    orderId: text('order_id'),
    redemptionId: text('redemption_id'),
    actor: text('actor').notNull(),
    reason: text('reason'),
    createdAt: text('created_at').notNull(),
  },
  // The unique (voucher, seq) pair makes a lost update impossible even if two writers
  // raced past the transaction: the second append with the same seq fails. The sign of
  // an amount is fixed by its kind (a cancel may be 0 in rows written before the ledger
  // writer, which never writes one).
  (t) => [
    uniqueIndex('movements_voucher_seq_uq').on(t.voucherId, t.seq),
    // An incremental check-ledger reads the movements of the journals posted since its last clean run.
    index('movements_journal_id_idx').on(t.journalId),
    check('movements_seq_positive', sql`${t.seq} >= 1`),
    check('movements_kind', sql`${t.kind} IN ('issue', 'redeem', 'void', 'expire', 'cancel', 'adjust')`),
    check(
      'movements_sign_per_kind',
      sql`(${t.kind} IN ('issue', 'void') AND ${t.amountCents} > 0) OR (${t.kind} IN ('redeem', 'expire') AND ${t.amountCents} < 0) OR (${t.kind} = 'cancel' AND ${t.amountCents} <= 0) OR (${t.kind} = 'adjust' AND ${t.amountCents} != 0)`,
    ),
    check('movements_balance_after_not_negative', sql`${t.balanceAfterCents} >= 0`),
  ],
);
