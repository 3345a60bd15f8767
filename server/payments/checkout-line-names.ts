import { translate } from '../lib/i18n';
import type { CheckoutLine } from './payment-provider';

/** What the buyer reads on the payment page for one line, in the order's language. */
export function checkoutLineName(line: CheckoutLine, locale: string, campaign: string): string {
  switch (line.kind) {
    case 'voucher':
      return translate(locale, 'checkout.line.voucher', { amountCents: line.amountCents, campaign });
    case 'vouchers':
      return translate(locale, 'checkout.line.vouchers', { count: line.count, minCents: line.minCents, maxCents: line.maxCents, campaign });
    case 'service_fee':
      return translate(locale, 'checkout.line.service_fee');
    case 'service_fee_vat':
      return translate(locale, 'checkout.line.service_fee_vat');
  }
}
