/**
 * Breakage: the value left on vouchers when they expire, and who gets it. Pure — the
 * expiry service reads the campaign's rule and the shops' redeemed totals inside its
 * transaction and passes them here.
 *
 * Rules (campaigns.breakage_rule):
 * - `operator`  → `breakage_revenue` (the operator keeps it);
 * - `sponsor`   → `sponsor_payable:<campaignId>` (owed back to whoever funds the campaign);
 * - `merchants` → `merchant_payable:<merchantId>`, split pro rata to what each shop has
 *   redeemed (completed redemptions) in the campaign. When no shop has redeemed anything
 *   there is no fair key to split by, so the value falls back to `breakage_revenue` and the
 *   result says so (`fallback: true`); an operator can still pass it on by a manual journal.
 */
import { Accounts, type JournalLine } from '../ledger/accounts';

export type BreakageRule = 'operator' | 'sponsor' | 'merchants';

export interface Weight {
  key: string;
  weight: number;
}

export interface Share {
  key: string;
  amountCents: number;
}

/**
 * Splits `totalCents` in proportion to the weights, in integer cents, by the largest
 * remainder method (Hamilton):
 * 1. each key gets floor(total × weight / Σweights);
 * 2. the cents left over (fewer than the number of keys) go one each to the keys with the
 *    largest remainders, ties broken by key in ascending order (merchant ids: deterministic,
 *    whatever order the rows came in).
 * So the shares sum exactly to the total, none is negative, and each is within one cent of
 * its exact proportional value. Keys with a zero weight get nothing and are left out; the
 * result is in key order. Arithmetic is in BigInt: total × weight can pass 2^53.
 */
export function allocateProRata(totalCents: number, weights: readonly Weight[]): Share[] {
  if (!Number.isSafeInteger(totalCents) || totalCents < 0) throw new Error(`cannot allocate ${totalCents} cents`);
  for (const w of weights) if (!Number.isSafeInteger(w.weight) || w.weight < 0) throw new Error(`bad weight ${w.weight} for ${w.key}`);
  const positive = weights.filter((w) => w.weight > 0).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (positive.length === 0) throw new Error('nothing to allocate by: every weight is zero');
  const total = BigInt(totalCents);
  const sum = positive.reduce((s, w) => s + BigInt(w.weight), 0n);
  const parts = positive.map((w) => {
    const exact = total * BigInt(w.weight);
    return { key: w.key, amount: exact / sum, remainder: exact % sum };
  });
  let left = total - parts.reduce((s, p) => s + p.amount, 0n);
  // Stable sort on the key-ordered array: equal remainders stay in key order.
  const byRemainder = [...parts].sort((a, b) => (a.remainder === b.remainder ? 0 : a.remainder > b.remainder ? -1 : 1));
  for (const p of byRemainder) {
    if (left === 0n) break;
    p.amount += 1n;
    left -= 1n;
  }
  return parts.map((p) => ({ key: p.key, amountCents: Number(p.amount) }));
}

export interface BreakagePosting {
  lines: JournalLine[];
  /** `merchants` rule with no redemption in the campaign: credited to breakage_revenue. */
  fallback: boolean;
}

/**
 * The journal lines for `totalCents` of expired value in one campaign: the liability goes
 * down (debit) and the rule's account(s) are credited. Zero shares are left out.
 */
export function breakageLines(rule: BreakageRule, campaignId: string, totalCents: number, redeemedByMerchant: readonly Weight[]): BreakagePosting {
  if (!Number.isSafeInteger(totalCents) || totalCents <= 0) throw new Error(`no breakage to post: ${totalCents}`);
  const debit: JournalLine = { account: Accounts.voucherLiability, amountCents: totalCents };
  const credit = (account: string, cents: number): JournalLine => ({ account, amountCents: -cents });
  switch (rule) {
    case 'operator':
      return { lines: [debit, credit(Accounts.breakageRevenue, totalCents)], fallback: false };
    case 'sponsor':
      return { lines: [debit, credit(Accounts.sponsorPayable(campaignId), totalCents)], fallback: false };
    case 'merchants': {
      if (!redeemedByMerchant.some((w) => w.weight > 0)) return { lines: [debit, credit(Accounts.breakageRevenue, totalCents)], fallback: true };
      const shares = allocateProRata(totalCents, redeemedByMerchant).filter((s) => s.amountCents > 0);
      return { lines: [debit, ...shares.map((s) => credit(Accounts.merchantPayable(s.key), s.amountCents))], fallback: false };
    }
    default: {
      const never: never = rule;
      throw new Error(`unknown breakage rule ${String(never)}`);
    }
  }
}
