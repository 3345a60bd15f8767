import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { campaigns } from './campaigns';
import { orderItems, orders } from './orders';

/**
 * A bearer instrument. `code` is stored normalised (no dashes, upper case).
 * Invariant: balance_cents = Σ movements.amount_cents of this voucher, 0 ≤ balance ≤ amount.
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
  (t) => [index('vouchers_order_idx').on(t.orderId), index('vouchers_campaign_idx').on(t.campaignId)],
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
  // raced past the transaction: the second append with the same seq fails.
  (t) => [uniqueIndex('movements_voucher_seq_uq').on(t.voucherId, t.seq)],
);
