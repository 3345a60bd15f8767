/** The FEC export (operator reports page and CLI). */
export const fecFr: Record<string, string> = {
  'errors.fec_siren_missing': "Aucun SIREN n'est configuré pour l'opérateur (variable OPERATOR_SIRET) : le FEC doit être nommé <SIREN>FEC<AAAAMMJJ>.txt.",
  'errors.fec_encoding_unsupported': 'Jeu de caractères inconnu : choisissez iso-8859-15 (norme du FEC) ou utf-8.',
  'operator.reports.encoding': 'Jeu de caractères',
  'operator.reports.encoding_latin9': 'ISO 8859-15 (norme du FEC)',
  'operator.reports.encoding_utf8': 'UTF-8',
};
