/** French texts of the sheets module (merged into the main dictionary by server/lib/i18n.ts). */
export const sheetsFr: Record<string, string> = {
  'sheets.doc_title': 'Bons d’achat à imprimer',
  'sheets.value': 'Bon d’achat d’une valeur de',
  'sheets.expires': 'Valable jusqu’au',
  'sheets.recipient': 'Bénéficiaire : {name}',
  'sheets.partners': 'Valable chez les commerçants partenaires — liste sur {site}',
  'sheets.order': 'Commande {reference}',
  'sheets.page': 'Page {page}',
};
