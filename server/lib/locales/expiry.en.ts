/** English texts of voucher expiry (merged into the main dictionary by server/lib/i18n.ts). */
export const expiryEn: Record<string, string> = {
  'mail.expiry.subject': 'Your « {campaign} » voucher expires on {expires}',
  'mail.expiry.hello': 'Hello {name},',
  'mail.expiry.hello_anonymous': 'Hello,',
  'mail.expiry.intro': 'There is {balance} left on your « {campaign} » voucher. It is valid until {expires} inclusive.',
  'mail.expiry.gift_for': 'This voucher was a gift to {recipient}: you may want to remind them.',
  'mail.expiry.after': 'After that date, the amount left can no longer be spent.',
  'mail.expiry.balance': 'Balance',
  'mail.expiry.open': 'Open the voucher',
  'mail.expiry.shops': 'See the partner shops',
  'mail.expiry.once': 'This reminder is sent only once.',
};
