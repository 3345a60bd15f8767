/**
 * Chart of accounts. Lines are signed: debit positive, credit negative; a journal sums to 0.
 * - payments_clearing:<provider>  money received and not yet on the operator's bank account
 * - voucher_liability             what the operator owes voucher holders (credit balance)
 * - merchant_payable:<merchant> owed to a shop for what it redeemed, until settled
 * - payments_suspense             money received that matches no order, awaiting review
 * - customer_advances             bank transfers received for orders not yet paid in full
 *                                 (and any overpayment, until refunded)
 * - service_fee_revenue           the operator's fee on organisations' orders, excl. VAT
 * - vat_collected                 VAT on that fee, owed to the treasury
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
