import { parseBic, parseIban } from '../../lib/identifiers';
import type { SepaProblem } from '../../settlement/sepa-pain001';
import { SEPA_NAME_MAX, sepaText } from '../../settlement/sepa-text';

/** How a shop is paid, or why it is held back (kept unsettled, shown to the operator). */
export type PayoutRoute =
  | { ok: true; method: 'stripe'; stripeAccountId: string; accountHolder: string }
  | { ok: true; method: 'sepa'; iban: string; bic: string | null; accountHolder: string }
  | { ok: false; reason: HoldReason };

/**
 * Why a shop (before its batch commits) or a statement (before its SEPA file is produced)
 * is held back. `invalid_holder`: the holder has nothing the SEPA character set can carry
 * ("東京書店", "***"); `invalid_amount`: a net the file cannot carry (0, or above the EPC
 * maximum); `invalid_transfer`: any other problem of the transaction (a bug of ours).
 */
export type HoldReason = 'no_bank_details' | 'invalid_iban' | 'invalid_bic' | 'invalid_holder' | 'invalid_amount' | 'invalid_transfer';

export interface ShopBanking {
  name: string;
  iban: string | null;
  bic: string | null;
  accountHolder: string | null;
  stripeAccountId: string | null;
}

/**
 * A connected Stripe account wins (paid by Connect transfer); otherwise a valid IBAN
 * (mod 97, checked again here: data may predate the check) with an optional valid BIC and
 * a holder the SEPA file can write (the same `sepaText` the file uses: data may predate the
 * entry rule, and a blank creditor name fails the whole file).
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
  if (sepaText(holder, SEPA_NAME_MAX) === '') return { ok: false, reason: 'invalid_holder' };
  return { ok: true, method: 'sepa', iban: iban.value, bic, accountHolder: holder };
}

const SHOP_FIELDS: Readonly<Record<string, HoldReason>> = {
  creditorIban: 'invalid_iban',
  creditorBic: 'invalid_bic',
  creditorName: 'invalid_holder',
  amountCents: 'invalid_amount',
};

/** The reason to show for a transfer `checkSepaTransfer` refused (null: it is fine). */
export function sepaHoldReason(problems: SepaProblem[]): HoldReason | null {
  if (problems.length === 0) return null;
  for (const p of problems) if (SHOP_FIELDS[p.field]) return SHOP_FIELDS[p.field]!;
  return 'invalid_transfer';
}
