/** Card checkout: the lines shown on the payment page and the limits of one card payment. */
export const checkoutEn: Record<string, string> = {
  'checkout.line.voucher': 'Gift voucher of {amount} – {campaign}',
  'checkout.line.vouchers.one': '{count} gift voucher of {min} to {max} – {campaign}',
  'checkout.line.vouchers.other': '{count} gift vouchers of {min} to {max} – {campaign}',
  'checkout.line.service_fee': 'Service fee (excl. VAT)',
  'checkout.line.service_fee_vat': 'VAT on the service fee',
  'checkout.errors.card_amount_too_large':
    'The order total ({total}) is more than one card payment can carry ({max}). Choose payment by bank transfer, or split the vouchers across several orders.',
  'checkout.errors.card_amount_too_large_individual':
    'The order total ({total}) is more than one card payment can carry ({max}). Split the vouchers across several orders, or order on behalf of a company or public body to pay by bank transfer.',
  'checkout.errors.card_amount_too_small': 'A card payment must be at least {min}: add a voucher to the order.',
};
