import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * A voucher programme. Amounts are integer cents.
 * Invariant: sold_cents and redeemed_cents are caches that always equal the sums
 * of the campaign's issue and redeem/void movements (check-ledger verifies it); they
 * exist so the public campaign page never aggregates the movements table.
 */
export const campaigns = sqliteTable('campaigns', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  operatorName: text('operator_name').notNull(),
  status: text('status', { enum: ['draft', 'active', 'closed'] }).notNull(),
  currency: text('currency').notNull().default('EUR'),
  targetCents: integer('target_cents').notNull(),
  /** JSON array of integer cents, ascending. */
  denominationsCents: text('denominations_cents').notNull(),
  minAmountCents: integer('min_amount_cents').notNull(),
  maxAmountCents: integer('max_amount_cents').notNull(),
  validityDays: integer('validity_days').notNull(),
  maxVouchersPerOrder: integer('max_vouchers_per_order').notNull(),
  maxOrderCentsIndividual: integer('max_order_cents_individual').notNull(),
  /** Organisations (companies, public bodies) order in bulk under their own limits. */
  maxVouchersPerOrgOrder: integer('max_vouchers_per_org_order').notNull().default(10_000),
  maxOrderCentsOrg: integer('max_order_cents_org').notNull().default(500_000_00),
  /** Service fee on organisations' orders, basis points of the face value (VAT added). */
  orgFeeBps: integer('org_fee_bps').notNull().default(0),
  /** Commission kept on what shops redeem, basis points (300 = 3 %), VAT added at settlement. */
  commissionBps: integer('commission_bps').notNull().default(300),
  /** Where the value left on expired vouchers goes. */
  breakageRule: text('breakage_rule', { enum: ['operator', 'sponsor', 'merchants'] }).notNull().default('operator'),
  /** Who funds the campaign (e.g. the town): receives breakage under the 'sponsor' rule. */
  sponsorName: text('sponsor_name'),
  /** Picture shown on the campaign page (path under data/uploads, served by the app). */
  imagePath: text('image_path'),
  /** JSON array of shop categories allowed to accept the campaign; null = every category. */
  acceptedCategories: text('accepted_categories'),
  /**
   * Sponsor bonus (« abondement »): 'percent' of the face value bought (bonus_bps) or a
   * 'fixed' amount per order, capped per buyer and by a total budget. Reserved when an order
   * is created (bonus_reserved_cents), used when it is paid (bonus_used_cents), released when
   * it is cancelled: reserved + used never exceeds the budget.
   */
  bonusKind: text('bonus_kind', { enum: ['none', 'percent', 'fixed'] }).notNull().default('none'),
  bonusBps: integer('bonus_bps').notNull().default(0),
  bonusFixedCents: integer('bonus_fixed_cents').notNull().default(0),
  bonusCapPerBuyerCents: integer('bonus_cap_per_buyer_cents'),
  bonusBudgetCents: integer('bonus_budget_cents').notNull().default(0),
  bonusReservedCents: integer('bonus_reserved_cents').notNull().default(0),
  bonusUsedCents: integer('bonus_used_cents').notNull().default(0),
  startsAt: text('starts_at').notNull(),
  endsAt: text('ends_at'),
  soldCents: integer('sold_cents').notNull().default(0),
  redeemedCents: integer('redeemed_cents').notNull().default(0),
  createdAt: text('created_at').notNull(),
  /** When the operator closed it (status closed): with its vouchers' last expiry, starts the personal-data retention clock. */
  closedAt: text('closed_at'),
  /**
   * Months the buyers', beneficiaries' and recipients' personal data are kept once the campaign
   * is over (closed and its last voucher expired); then the retention job pseudonymises them
   * (docs/personal-data.md). Invoices and accounting entries are kept apart, for their legal period.
   */
  personalDataRetentionMonths: integer('personal_data_retention_months').notNull().default(24),
  /** When the retention job pseudonymised the campaign's orders: it never runs twice on one campaign. */
  personalDataErasedAt: text('personal_data_erased_at'),
});
