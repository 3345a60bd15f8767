import { parseBic, parseIban } from '../../lib/identifiers';

/** How a shop is paid, or why it is held back (kept unsettled, shown to the operator). */
export type PayoutRoute =
  | { ok: true; method: 'stripe'; stripeAccountId: string; accountHolder: string }
  | { ok: true; method: 'sepa'; iban: string; bic: string | null; accountHolder: string }
  | { ok: false; reason: HoldReason };

export type HoldReason = 'no_bank_details' | 'invalid_iban' | 'invalid_bic';

export interface ShopBanking {
  name: string;
  iban: string | null;
  bic: string | null;
  accountHolder: string | null;
  stripeAccountId: string | null;
}

/**
 * A connected Stripe account wins (paid by Connect transfer); otherwise a valid IBAN
 * (mod 97, checked again here: data may predate the check) with an optional valid BIC.
 */
export function payoutRoute(shop: ShopBanking): PayoutRoute {
  const holder = (shop.accountHolder ?? '').trim() || shop.name;
  if (shop.stripeAccountId && /^acct_[A-Za-z0-9]+$/.test(shop.stripeAccountId)) return { ok: true, method: 'stripe', stripeAccountId: shop.stripeAccountId, accountHolder: holder };
  if (!shop.iban || !shop.iban.trim()) return { ok: false, reason: 'no_bank_details' };
  const iban = parseIban(shop.iban);
  if (!iban.ok) return { ok: false, reason: 'invalid_iban' };
  let bic: string | null = null;
  if (shop.bic && shop.bic.trim()) {
    const b = parseBic(shop.bic);
    if (!b.ok) return { ok: false, reason: 'invalid_bic' };
    bic = b.value;
  }
  return { ok: true, method: 'sepa', iban: iban.value, bic, accountHolder: holder };
}
