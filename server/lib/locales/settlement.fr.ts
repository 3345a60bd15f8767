/** Settlement words (French): statements, payouts, the shop's and the operator's pages. */
export const settlementFr: Record<string, string> = {
  'settlement.mail_subject': 'Relevé {reference} : {net} vous seront versés',
  'settlement.mail_body':
    'Bonjour,\n\nVoici votre relevé {reference} ({batch}) pour les bons d’achat encaissés jusqu’au {until} :\n- {count} opérations, montant brut {gross}\n- commission HT {commission}, TVA sur commission {vat}\n- net versé {net} ({method})\n\nLe détail (PDF et CSV) est dans votre espace commerçant :\n{url}\n\nLa facture de commission porte le numéro {invoice}.\n\nMerci de faire vivre le commerce local.',
  'settlement.method_sepa': 'par virement SEPA',
  'settlement.method_stripe': 'par virement Stripe',
};
