import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { int64 } from './columns';
import { campaigns } from './campaigns';
import { orderItems, orders } from './orders';

/** PostgreSQL mirror of db/schema/vouchers.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const vouchers = pgTable(
  'vouchers',
  {
    id: text('id').primaryKey(),
    code: text('code').notNull().unique(),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    orderId: text('order_id').notNull().references(() => orders.id),
    orderItemId: text('order_item_id').notNull().references(() => orderItems.id),
    amountCents: int64('amount_cents').notNull(),
    balanceCents: int64('balance_cents').notNull(),
    status: text('status', { enum: ['active', 'spent', 'expired', 'cancelled', 'blocked'] }).notNull(),
    recipientName: text('recipient_name'),
    recipientEmail: text('recipient_email'),
    message: text('message'),
    issuedAt: text('issued_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    reissuedFrom: text('reissued_from'),
    blockReason: text('block_reason'),
    expiryRemindedAt: text('expiry_reminded_at'),
  },
  (t) => [
    index('vouchers_order_idx').on(t.orderId),
    index('vouchers_campaign_idx').on(t.campaignId),
    // The expiry's keyset on PostgreSQL (no rowid there): a campaign's vouchers in id order (migration 0033).
    index('vouchers_campaign_id_idx').on(t.campaignId, t.id),
    index('vouchers_reissued_from_idx').on(t.reissuedFrom).where(sql`${t.reissuedFrom} IS NOT NULL`),
    index('vouchers_recipient_email_idx').on(sql`lower(${t.recipientEmail})`).where(sql`${t.recipientEmail} IS NOT NULL`),
    index('vouchers_recipient_email_norm_idx').on(sql`lower(trim(${t.recipientEmail}))`).where(sql`${t.recipientEmail} IS NOT NULL`),
    check('vouchers_amount_positive', sql`${t.amountCents} > 0`),
    check('vouchers_balance_within_value', sql`${t.balanceCents} >= 0 AND ${t.balanceCents} <= ${t.amountCents}`),
    check('vouchers_status', sql`${t.status} IN ('active', 'spent', 'expired', 'cancelled', 'blocked')`),
    check('vouchers_status_balance', sql`(${t.status} != 'active' OR ${t.balanceCents} > 0) AND (${t.status} NOT IN ('spent', 'cancelled') OR ${t.balanceCents} = 0)`),
  ],
);

export const movements = pgTable(
  'movements',
  {
    id: text('id').primaryKey(),
    voucherId: text('voucher_id').notNull().references(() => vouchers.id),
    seq: int64('seq').notNull(),
    kind: text('kind', { enum: ['issue', 'redeem', 'void', 'expire', 'cancel', 'adjust'] }).notNull(),
    amountCents: int64('amount_cents').notNull(),
    balanceAfterCents: int64('balance_after_cents').notNull(),
    journalId: text('journal_id'),
    orderId: text('order_id'),
    redemptionId: text('redemption_id'),
    actor: text('actor').notNull(),
    reason: text('reason'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('movements_voucher_seq_uq').on(t.voucherId, t.seq),
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
