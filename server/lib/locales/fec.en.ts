/** The FEC export (operator reports page and CLI). */
export const fecEn: Record<string, string> = {
  'errors.fec_siren_missing': 'No SIREN is configured for the operator (OPERATOR_SIRET variable): the FEC must be named <SIREN>FEC<YYYYMMDD>.txt.',
  'errors.fec_encoding_unsupported': 'Unknown character set: choose iso-8859-15 (the FEC standard) or utf-8.',
  'operator.reports.encoding': 'Character set',
  'operator.reports.encoding_latin9': 'ISO 8859-15 (FEC standard)',
  'operator.reports.encoding_utf8': 'UTF-8',
};
