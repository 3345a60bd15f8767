import { check, primaryKey, pgTable, text } from 'drizzle-orm/pg-core';
import { int64 } from './columns';
import { sql } from 'drizzle-orm';

/**
 * Maintained aggregates for the operator's reports (impact dashboard, liability, money in
 * vs out). Written ONLY by the ledger writer (server/domain/vouchers/voucher-ledger.ts,
 * through voucher-totals.ts) in the same transaction as the movements they summarise, so
 * a report reads a few hundred rows instead of all history; `check-ledger` recomputes
 * each from the ledger tables and reports any difference (ledger/check-report-totals.ts).
 * Rows are never deleted: one whose figures went back to zero stays, and readers skip it.
 */

/**
 * Per campaign and week (Monday, UTC, `YYYY-MM-DD`):
 * sold = face value of vouchers issued that week (issue date; replacements excluded);
 * redeemed = completed redemptions made that week (a void takes its amount off the week of
 * the redemption it voids); expired / cancelled / adjusted = those movements that week,
 * cancelled counting a reissue's cancel and its replacement's issue as nothing (a balance
 * moved, not given up).
 */
export const campaignWeekTotals = pgTable(
  'campaign_week_totals',
  {
    campaignId: text('campaign_id').notNull(),
    week: text('week').notNull(),
    soldCents: int64('sold_cents').notNull().default(0),
    redeemedCents: int64('redeemed_cents').notNull().default(0),
    expiredCents: int64('expired_cents').notNull().default(0),
    cancelledCents: int64('cancelled_cents').notNull().default(0),
    adjustedCents: int64('adjusted_cents').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.week] }),
    check('campaign_week_totals_sold_check', sql`${t.soldCents} >= 0`),
    check('campaign_week_totals_redeemed_check', sql`${t.redeemedCents} >= 0`),
    check('campaign_week_totals_expired_check', sql`${t.expiredCents} >= 0`),
  ],
);

/** Completed redemptions (count and amount, voids taken off) per campaign and merchant. */
export const merchantCampaignTotals = pgTable(
  'merchant_campaign_totals',
  {
    campaignId: text('campaign_id').notNull(),
    merchantId: text('merchant_id').notNull(),
    redemptions: int64('redemptions').notNull().default(0),
    redeemedCents: int64('redeemed_cents').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.merchantId] }),
    check('merchant_campaign_totals_redemptions_check', sql`${t.redemptions} >= 0`),
    check('merchant_campaign_totals_redeemed_check', sql`${t.redeemedCents} >= 0`),
  ],
);

/**
 * Sales per campaign, buyer type and payment method: vouchers issued by orders (replacements
 * excluded) and their face value; the orders that issued them — counted once, at their first
 * voucher, with what they charged (total, service fee and its VAT) and the sponsor's bonus.
 */
export const campaignBuyerTotals = pgTable(
  'campaign_buyer_totals',
  {
    campaignId: text('campaign_id').notNull(),
    buyerType: text('buyer_type').notNull(),
    paymentMethod: text('payment_method').notNull(),
    orders: int64('orders').notNull().default(0),
    vouchers: int64('vouchers').notNull().default(0),
    soldCents: int64('sold_cents').notNull().default(0),
    paidCents: int64('paid_cents').notNull().default(0),
    feesCents: int64('fees_cents').notNull().default(0),
    bonusCents: int64('bonus_cents').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.buyerType, t.paymentMethod] }),
    check('campaign_buyer_totals_counts_check', sql`${t.orders} >= 0 AND ${t.vouchers} >= 0 AND ${t.soldCents} >= 0`),
  ],
);

/**
 * What holders can still spend, per campaign, issue day and expiry day (UTC dates of the
 * vouchers' `issued_at` / `expires_at`): the vouchers with a balance and the sum of their
 * balances. The liability's ageing and « expires within 30 days » read it.
 */
export const voucherBalanceTotals = pgTable(
  'voucher_balance_totals',
  {
    campaignId: text('campaign_id').notNull(),
    issuedOn: text('issued_on').notNull(),
    expiresOn: text('expires_on').notNull(),
    vouchers: int64('vouchers').notNull().default(0),
    balanceCents: int64('balance_cents').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.issuedOn, t.expiresOn] }),
    check('voucher_balance_totals_check', sql`${t.vouchers} >= 0 AND ${t.balanceCents} >= 0`),
  ],
);
