/** Settlement words (English). */
export const settlementEn: Record<string, string> = {
  'settlement.mail_subject': 'Statement {reference}: {net} will be paid to you',
  'settlement.mail_body':
    'Hello,\n\nHere is your statement {reference} ({batch}) for the vouchers redeemed up to {until}:\n- {count} redemptions, gross amount {gross}\n- commission excl. VAT {commission}, VAT on commission {vat}\n- net paid {net} ({method})\n\nThe details (PDF and CSV) are in your shop area:\n{url}\n\nThe commission invoice number is {invoice}.\n\nThank you for keeping local shops alive.',
  'settlement.method_sepa': 'by SEPA transfer',
  'settlement.method_stripe': 'by Stripe transfer',
};
