/** Card checkout: the lines shown on the payment page and the limits of one card payment. */
export const checkoutFr: Record<string, string> = {
  'checkout.line.voucher': 'Bon d’achat de {amount} – {campaign}',
  'checkout.line.vouchers.one': '{count} bon d’achat de {min} à {max} – {campaign}',
  'checkout.line.vouchers.other': '{count} bons d’achat de {min} à {max} – {campaign}',
  'checkout.line.service_fee': 'Frais de service (HT)',
  'checkout.line.service_fee_vat': 'TVA sur les frais de service',
  'checkout.errors.card_amount_too_large':
    'Le total de la commande ({total}) dépasse ce qu’un paiement par carte peut porter ({max}). Choisissez le paiement par virement bancaire, ou répartissez les bons sur plusieurs commandes.',
  'checkout.errors.card_amount_too_large_individual':
    'Le total de la commande ({total}) dépasse ce qu’un paiement par carte peut porter ({max}). Répartissez les bons sur plusieurs commandes, ou commandez au nom d’une entreprise ou d’une collectivité pour payer par virement bancaire.',
  'checkout.errors.card_amount_too_small': 'Un paiement par carte doit être d’au moins {min} : ajoutez un bon à la commande.',
};
