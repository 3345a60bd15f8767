/**
 * Chart of accounts. Lines are signed: debit positive, credit negative; a journal sums to 0.
 * - payments_clearing:<provider>  money received and not yet on the operator's bank account
 * - voucher_liability             what the operator owes voucher holders (credit balance)
 * - merchant_payable:<merchant> owed to a shop for what it redeemed, until settled
 * - payments_suspense             money received that matches no order, awaiting review
 * - customer_advances             bank transfers received for orders not yet paid in full
 *                                 (and any overpayment, until refunded)
 * - service_fee_revenue           the operator's fee on organisations' orders, excl. VAT
 * - vat_collected                 VAT on that fee and on shops' commission, owed to the treasury
 * - commission_revenue            the operator's commission on what shops redeemed, excl. VAT
 * - payouts_pending               settled to shops, not yet paid out (SEPA file not executed,
 *                                 Stripe transfer not confirmed)
 * - bank                          the operator's bank account (SEPA payouts leave from it)
 * - breakage_revenue              value left on expired vouchers kept by the operator
 * - sponsor_payable:<campaign>    value left on expired vouchers owed back to the sponsor
 * - sponsor_bonus_receivable:<campaign> what the sponsor owes the operator for bonuses granted
 *                                 (debit), less bonus balances cancelled by refunds
 * - support_adjustments           balance corrections made by support (debit = value given
 *                                 to holders, credit = value taken back): an expense account
 */
export const Accounts = {
  paymentsClearing: (provider: string) => `payments_clearing:${provider}`,
  voucherLiability: 'voucher_liability',
  /** What the operator owes a shop for redemptions not yet settled (credit balance). */
  merchantPayable: (merchantId: string) => `merchant_payable:${merchantId}`,
  /** Money received that matches no order (wrong amount): held until an operator refunds or matches it. */
  paymentsSuspense: 'payments_suspense',
  customerAdvances: 'customer_advances',
  serviceFeeRevenue: 'service_fee_revenue',
  vatCollected: 'vat_collected',
  commissionRevenue: 'commission_revenue',
  payoutsPending: 'payouts_pending',
  bank: 'bank',
  breakageRevenue: 'breakage_revenue',
  sponsorPayable: (campaignId: string) => `sponsor_payable:${campaignId}`,
  /** What the sponsor owes the operator for the bonus vouchers issued in its campaign (debit balance). */
  sponsorBonusReceivable: (campaignId: string) => `sponsor_bonus_receivable:${campaignId}`,
  /** Support's manual balance corrections (an adjust movement's other side). */
  supportAdjustments: 'support_adjustments',
} as const;

export interface JournalLine {
  account: string;
  amountCents: number;
}

/** Pure check before anything is written: integer amounts, at least two lines, sum zero. */
export function assertBalanced(lines: readonly JournalLine[]): void {
  if (lines.length < 2) throw new Error('a journal needs at least two lines');
  let sum = 0;
  for (const l of lines) {
    if (!Number.isSafeInteger(l.amountCents)) throw new Error(`non-integer amount on ${l.account}`);
    sum += l.amountCents;
  }
  if (sum !== 0) throw new Error(`unbalanced journal: lines sum to ${sum}`);
}
