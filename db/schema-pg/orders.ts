import { sql } from 'drizzle-orm';
import { check, index, pgTable, text } from 'drizzle-orm/pg-core';
import { int64 } from './columns';
import { campaigns } from './campaigns';
import { journals } from './journals';

/** PostgreSQL mirror of db/schema/orders.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const orders = pgTable(
  'orders',
  {
    id: text('id').primaryKey(),
    reference: text('reference').notNull().unique(),
    campaignId: text('campaign_id').notNull().references(() => campaigns.id),
    status: text('status', { enum: ['pending_payment', 'paid', 'cancelled', 'refunded'] }).notNull(),
    buyerType: text('buyer_type', { enum: ['individual', 'company', 'municipality'] }).notNull(),
    buyerName: text('buyer_name').notNull(),
    buyerEmail: text('buyer_email').notNull(),
    organisation: text('organisation'),
    siret: text('siret'),
    vatNumber: text('vat_number'),
    purchaseOrder: text('purchase_order'),
    serviceCode: text('service_code'),
    paymentMethod: text('payment_method', { enum: ['card', 'bank_transfer'] }).notNull(),
    totalCents: int64('total_cents').notNull(),
    feeCents: int64('fee_cents').notNull().default(0),
    feeVatCents: int64('fee_vat_cents').notNull().default(0),
    bonusCents: int64('bonus_cents').notNull().default(0),
    refundedCents: int64('refunded_cents').notNull().default(0),
    paidCents: int64('paid_cents').notNull().default(0),
    organisationId: text('organisation_id'),
    billingAddress: text('billing_address'),
    billingPostalCode: text('billing_postal_code'),
    billingCity: text('billing_city'),
    contactPhone: text('contact_phone'),
    organisationConfirmedAt: text('organisation_confirmed_at'),
    organisationConfirmHash: text('organisation_confirm_hash'),
    transferReference: text('transfer_reference').unique(),
    giftEvent: text('gift_event'),
    codesExportedAt: text('codes_exported_at'),
    locale: text('locale').notNull(),
    accessTokenHash: text('access_token_hash').notNull(),
    checkoutRef: text('checkout_ref'),
    checkoutUrl: text('checkout_url'),
    cancelReason: text('cancel_reason'),
    reviewReason: text('review_reason'),
    paidAt: text('paid_at'),
    issueJournalId: text('issue_journal_id').references(() => journals.id),
    issueActor: text('issue_actor'),
    issueNext: int64('issue_next').notNull().default(0),
    issueRemainingCents: int64('issue_remaining_cents').notNull().default(0),
    cancelledAt: text('cancelled_at'),
    createdAt: text('created_at').notNull(),
    personalDataErasedAt: text('personal_data_erased_at'),
  },
  (t) => [
    index('orders_campaign_idx').on(t.campaignId),
    index('orders_checkout_ref_idx').on(t.checkoutRef),
    index('orders_organisation_idx').on(t.organisationId),
    index('orders_buyer_email_idx').on(sql`lower(${t.buyerEmail})`),
    // A data subject's request finds them by the email as normalised (migration 0027).
    index('orders_buyer_email_norm_idx').on(sql`lower(trim(${t.buyerEmail}))`),
    index('orders_issuing_idx').on(t.issueJournalId).where(sql`${t.issueJournalId} IS NOT NULL`),
    check('orders_issue_next_not_negative', sql`${t.issueNext} >= 0`),
    check('orders_issue_remaining_not_negative', sql`${t.issueRemainingCents} >= 0`),
    check('orders_amounts_not_negative', sql`${t.totalCents} >= 0 AND ${t.feeCents} >= 0 AND ${t.feeVatCents} >= 0 AND ${t.paidCents} >= 0 AND ${t.bonusCents} >= 0 AND ${t.refundedCents} >= 0`),
  ],
);

export const orderItems = pgTable(
  'order_items',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull().references(() => orders.id),
    position: int64('position').notNull(),
    amountCents: int64('amount_cents').notNull(),
    quantity: int64('quantity').notNull(),
    recipientName: text('recipient_name'),
    recipientEmail: text('recipient_email'),
    message: text('message'),
    bonus: int64('bonus').notNull().default(0),
  },
  (t) => [
    index('order_items_order_idx').on(t.orderId),
    index('order_items_recipient_email_norm_idx').on(sql`lower(trim(${t.recipientEmail}))`).where(sql`${t.recipientEmail} IS NOT NULL`),
  ],
);
