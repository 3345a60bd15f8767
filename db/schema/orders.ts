import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { campaigns } from './campaigns';
import { journals } from './journals';

/**
 * What a buyer pays for. Status moves pending_payment → paid | cancelled, paid → refunded.
 * Only the payment services change it, inside a BEGIN IMMEDIATE transaction that
 * re-reads the row, so concurrent webhook deliveries cannot issue vouchers twice.
 */
export const orders = sqliteTable(
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
    /** What the buyer pays: vouchers at face value + service fee + VAT on the fee. */
    totalCents: integer('total_cents').notNull(),
    /** Service fee excluding VAT (organisations only; vouchers themselves carry no VAT). */
    feeCents: integer('fee_cents').notNull().default(0),
    feeVatCents: integer('fee_vat_cents').notNull().default(0),
    /** Sponsor bonus granted with this order (not paid by the buyer, not in total_cents). */
    bonusCents: integer('bonus_cents').notNull().default(0),
    /** Refunded to the buyer so far (unused vouchers of a card order). */
    refundedCents: integer('refunded_cents').notNull().default(0),
    /** Sum of bank transfers recorded so far (card orders: the one payment). */
    paidCents: integer('paid_cents').notNull().default(0),
    organisationId: text('organisation_id'),
    /**
     * The buyer's details as typed for THIS order (organisation name, SIRET, VAT above; address
     * here): its pro-forma and invoice render this copy, never the organisation's row, so a later
     * order cannot rewrite an earlier one's documents. Street lines then "<postal code> <city>".
     */
    billingAddress: text('billing_address'),
    billingPostalCode: text('billing_postal_code'),
    billingCity: text('billing_city'),
    contactPhone: text('contact_phone'),
    /**
     * When the order joined its organisation's page: at once for the order that created the
     * organisation, otherwise when the organisation's contact confirms it from the emailed link
     * (SHA-256 of that link's secret below). Until then it is not on the page.
     */
    organisationConfirmedAt: text('organisation_confirmed_at'),
    organisationConfirmHash: text('organisation_confirm_hash'),
    /** Unique reference the buyer puts on its bank transfer, e.g. VIR7K3M9QXA. */
    transferReference: text('transfer_reference').unique(),
    /** Employer gift event (noel, rentree, naissance…) printed on the vouchers. */
    giftEvent: text('gift_event'),
    /** When the organisation downloaded the codes: from then on its page may show them. */
    codesExportedAt: text('codes_exported_at'),
    locale: text('locale').notNull(),
    /** SHA-256 of the bearer token given to the buyer; the token itself is never stored. */
    accessTokenHash: text('access_token_hash').notNull(),
    /** Payment provider's checkout reference (Stripe Checkout Session id, or demo id). */
    checkoutRef: text('checkout_ref'),
    checkoutUrl: text('checkout_url'),
    cancelReason: text('cancel_reason'),
    /** Set when money arrived that could not be matched (wrong amount or currency): an operator must look. */
    reviewReason: text('review_reason'),
    paidAt: text('paid_at'),
    /**
     * While a paid order's vouchers are being issued in slices (order-issuance.ts): the sale's
     * journal, who paid, the index of the next voucher to issue (in vouchersToIssue order) and
     * the value not issued yet. NULL / 0 once every voucher exists.
     */
    issueJournalId: text('issue_journal_id').references(() => journals.id),
    issueActor: text('issue_actor'),
    issueNext: integer('issue_next').notNull().default(0),
    issueRemainingCents: integer('issue_remaining_cents').notNull().default(0),
    cancelledAt: text('cancelled_at'),
    createdAt: text('created_at').notNull(),
    /** When the buyer's personal data on this order were erased (a request, or the campaign's retention). */
    personalDataErasedAt: text('personal_data_erased_at'),
  },
  (t) => [
    index('orders_campaign_idx').on(t.campaignId),
    index('orders_checkout_ref_idx').on(t.checkoutRef),
    index('orders_organisation_idx').on(t.organisationId),
    index('orders_issuing_idx').on(t.issueJournalId).where(sql`${t.issueJournalId} IS NOT NULL`),
    check('orders_issue_next_not_negative', sql`${t.issueNext} >= 0`),
    check('orders_issue_remaining_not_negative', sql`${t.issueRemainingCents} >= 0`),
    // Support's voucher search by the buyer's whole email, any case (migration 0016).
    index('orders_buyer_email_idx').on(sql`lower(${t.buyerEmail})`),
    // A data subject's request finds them by the email as normalised (migration 0027).
    index('orders_buyer_email_norm_idx').on(sql`lower(trim(${t.buyerEmail}))`),
    check('orders_amounts_not_negative', sql`${t.totalCents} >= 0 AND ${t.feeCents} >= 0 AND ${t.feeVatCents} >= 0 AND ${t.paidCents} >= 0 AND ${t.bonusCents} >= 0 AND ${t.refundedCents} >= 0`),
  ],
);

export const orderItems = sqliteTable(
  'order_items',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull().references(() => orders.id),
    position: integer('position').notNull(),
    amountCents: integer('amount_cents').notNull(),
    quantity: integer('quantity').notNull(),
    recipientName: text('recipient_name'),
    recipientEmail: text('recipient_email'),
    message: text('message'),
    /** 1 for the sponsor's bonus line (its voucher is funded by the sponsor, not the buyer). */
    bonus: integer('bonus').notNull().default(0),
  },
  (t) => [
    index('order_items_order_idx').on(t.orderId),
    index('order_items_recipient_email_norm_idx').on(sql`lower(trim(${t.recipientEmail}))`).where(sql`${t.recipientEmail} IS NOT NULL`),
  ],
);
