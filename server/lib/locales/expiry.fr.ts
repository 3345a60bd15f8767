/** French texts of voucher expiry (merged into the main dictionary by server/lib/i18n.ts). */
export const expiryFr: Record<string, string> = {
  'mail.expiry.subject': 'Votre bon d’achat « {campaign} » expire le {expires}',
  'mail.expiry.hello': 'Bonjour {name},',
  'mail.expiry.hello_anonymous': 'Bonjour,',
  'mail.expiry.intro': 'Il reste {balance} sur votre bon d’achat « {campaign} ». Il est valable jusqu’au {expires} inclus.',
  'mail.expiry.gift_for': 'Ce bon a été offert à {recipient} : pensez à le lui rappeler.',
  'mail.expiry.after': 'Après cette date, le montant restant ne pourra plus être dépensé.',
  'mail.expiry.balance': 'Solde',
  'mail.expiry.open': 'Ouvrir le bon',
  'mail.expiry.shops': 'Voir les commerces partenaires',
  'mail.expiry.once': 'Ce rappel n’est envoyé qu’une fois.',
};
