/** English texts of the sheets module (merged into the main dictionary by server/lib/i18n.ts). */
export const sheetsEn: Record<string, string> = {
  'sheets.doc_title': 'Printable gift vouchers',
  'sheets.value': 'Gift voucher worth',
  'sheets.expires': 'Valid until',
  'sheets.recipient': 'Beneficiary: {name}',
  'sheets.partners': 'Valid at partner shops — list on {site}',
  'sheets.order': 'Order {reference}',
  'sheets.page': 'Page {page}',
};
