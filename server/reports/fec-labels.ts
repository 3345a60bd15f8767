/**
 * The French label (EcritureLib) of a journal. The books are kept in French (code de
 * commerce, art. L123-22: « les documents comptables sont établis en euros et en langue
 * française ») and the FEC goes to the French tax administration whatever language the
 * back-office is shown in.
 *
 * Journals store an English description written by the code that posted them (and rows
 * posted before this file existed keep theirs: the books are never edited). Each kind's
 * description follows one fixed pattern, so its variable parts (order reference, provider
 * reference, statement, voucher code…) are read back and put into the French sentence. A
 * description matching no pattern of its kind gets the kind's generic French label (the
 * references stay in PieceRef); an unknown kind gets « Opération diverse ». Redemptions,
 * voids and expiries also state the amount, as a till receipt would.
 */

import { csvEuros } from '../lib/csv';
import { pluralCategory } from '../lib/i18n';

/** A pattern of the English description, and the French label from its match and the entry's amount (« 12,50 € »). */
type Rule = readonly [RegExp, (m: RegExpMatchArray, amount: string) => string];

interface KindLabel {
  generic: string;
  rules: readonly Rule[];
}

// A Map, not an object literal: a kind named "constructor" must not find Object's.
const LABELS: ReadonlyMap<string, KindLabel> = new Map(Object.entries({
  voucher_sale: {
    generic: 'Vente de bons',
    rules: [
      [/^Order (\S+) paid by transfer$/, (m) => `Vente de bons, commande ${m[1]} payée par virement`],
      [/^Order (\S+) paid \((.+)\)$/, (m) => `Vente de bons, commande ${m[1]} payée (${m[2]})`],
    ],
  },
  service_fee: { generic: 'Frais de service', rules: [] },
  bank_transfer_received: {
    generic: 'Virement reçu',
    rules: [[/^Transfer for order (\S+) \((.+)\)$/, (m) => `Virement reçu pour la commande ${m[1]} (${m[2]})`]],
  },
  payment_suspense: {
    generic: 'Paiement à identifier',
    rules: [[/^Unmatched payment for order (\S+) \((.+)\)$/, (m) => `Paiement à identifier, commande ${m[1]} (${m[2]})`]],
  },
  order_refund: {
    generic: 'Remboursement de commande',
    rules: [[/^Refund of order (\S+) \((.+)\)$/, (m) => `Remboursement de la commande ${m[1]} (${m[2]})`]],
  },
  redemption: {
    generic: 'Encaissement de bon en commerce',
    rules: [[/^Redemption (\S+) of voucher (\S+)$/, (m, amount) => `Encaissement de ${amount} sur le bon ${m[2]} (${m[1]})`]],
  },
  redemption_void: {
    generic: "Annulation d'un encaissement de bon",
    rules: [[/^Void of redemption (\d+)$/, (m, amount) => `Annulation de l'encaissement n° ${m[1]} (${amount})`]],
  },
  settlement: {
    generic: 'Règlement aux commerçants',
    rules: [[/^Statement (\S+) \((.+)\)$/, (m) => `Relevé ${m[1]} (${m[2]})`]],
  },
  settlement_payout: {
    generic: 'Versement à un commerçant',
    rules: [
      [/^Payout of (\S+) \(SEPA\)$/, (m) => `Versement du relevé ${m[1]} (virement SEPA)`],
      [/^Payout of (\S+) \((.+)\)$/, (m) => `Versement du relevé ${m[1]} (transfert ${m[2]})`],
    ],
  },
  settlement_payout_reversal: {
    generic: "Annulation d'un versement à un commerçant",
    // Partial reversals (since the refunds work) add « (N of M cents) »; the amount is the entry's own.
    rules: [[/^Stripe transfer (\S+) of (\S+) reversed(?: \(\d+ of \d+ cents\))?$/, (m, amount) => `Annulation du transfert Stripe ${m[1]} du relevé ${m[2]} (${amount})`]],
  },
  order_refund_failed: {
    generic: 'Remboursement échoué après comptabilisation',
    rules: [[/^Refund (\S+) failed after it was booked$/, (m) => `Remboursement ${m[1]} échoué après comptabilisation, fonds à identifier`]],
  },
  voucher_expiry: {
    generic: 'Bons expirés',
    // The stored description says « voucher(s) » (written so, kept as written); the label counts in French (0 and 1 singular).
    rules: [[/^Breakage: (\d+) expired voucher(?:\(s\)|s)? of (.+)$/, (m, amount) => `Bons expirés : ${m[1]} ${pluralCategory('fr', Number(m[1])) === 'one' ? 'bon' : 'bons'} de la campagne ${m[2]}, ${amount}`]],
  },
  voucher_reissue: {
    generic: 'Remplacement de bon',
    rules: [[/^Voucher (\S+) reissued as (\S+)$/, (m) => `Bon ${m[1]} remplacé par le bon ${m[2]}`]],
  },
  voucher_adjustment: {
    generic: 'Ajustement de bon par le support',
    rules: [[/^Support adjustment of voucher (\S+)$/, (m) => `Ajustement du bon ${m[1]} par le support`]],
  },
} satisfies Record<string, KindLabel>));

/** The French EcritureLib of a journal of this kind and (English) description; `totalCents` is its debit total. */
export function frenchLabel(kind: string, description: string, totalCents: number): string {
  const label = LABELS.get(kind);
  if (!label) return 'Opération diverse';
  for (const [pattern, french] of label.rules) {
    const m = description.match(pattern);
    if (m) return french(m, `${csvEuros(totalCents)} €`);
  }
  return label.generic;
}
