import { translate } from '../lib/i18n';
import { formatMoney } from '../lib/money';
import type { InvoiceDocument, InvoiceLine, Seller } from './invoice-document';

/**
 * Texts shared by the PDF and the Factur-X XML, from the invoice.* message keys. They keep
 * the spaces Intl prints (narrow no-break in French amounts): each output adapts them.
 */

/** "20 %" / "20%": rates are basis points (2000 = 20 %). */
export function formatRate(bp: number, locale: string): string {
  return new Intl.NumberFormat(locale === 'en' ? 'en-GB' : 'fr-FR', { style: 'percent', maximumFractionDigits: 2 }).format(bp / 10_000);
}

/** The description of a line in the given locale (the XML uses French). */
export function lineDescription(line: InvoiceLine, locale: string): string {
  if (line.kind === 'voucher') return translate(locale, 'invoice.line_voucher', { campaign: line.campaignName, value: formatMoney(line.faceValueCents, locale) });
  const base = translate(locale, 'invoice.line_service_fee');
  return line.detail ? `${base} – ${line.detail}` : base;
}

/**
 * The legal payment clauses: late-payment penalties, the 40 € recovery fee (every buyer
 * here is a professional or a public body) and the no-discount clause. Public buyers are
 * under the public procurement code (ECB rate + 8 points), companies under the commercial
 * code (the operator's rate, at least three times the legal interest rate).
 */
export function paymentClauses(doc: InvoiceDocument, locale: string): { penalties: string; recoveryFee: string; discount: string } {
  const pub = doc.buyer.kind === 'public';
  return {
    penalties: translate(locale, pub ? 'invoice.late_interest_public' : 'invoice.late_interest_company', { points: doc.latePenaltyPoints }),
    recoveryFee: translate(locale, pub ? 'invoice.recovery_fee_public' : 'invoice.recovery_fee_company'),
    discount: translate(locale, 'invoice.no_discount'),
  };
}

/** « Établissement public au capital de … – RCS Le Havre 732829320 »: the seller's legal mentions beyond its name and numbers. */
export function sellerLegalMentions(s: Seller, locale: string): string[] {
  const parts: string[] = [];
  if (s.legalForm) parts.push(s.shareCapitalCents === undefined ? s.legalForm : translate(locale, 'invoice.legal_capital', { form: s.legalForm, capital: formatMoney(s.shareCapitalCents, locale) }));
  if (s.rcs) parts.push(`${s.rcs} ${s.siren}`);
  return parts;
}
