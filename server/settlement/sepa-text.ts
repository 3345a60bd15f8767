/**
 * Text for SEPA credit transfer files. The EPC implementation guidelines only guarantee
 * the basic Latin set across all banks: a-z A-Z 0-9 / - ? : ( ) . , ' + and space. Banks
 * reject (or silently mangle) anything else, so names typed by shops ("Boulangerie Lœuvre
 * & Fils") are transliterated here rather than left to each bank's own conversion.
 */

/** Letters NFKD does not decompose into a base letter + accent, and typographic marks. */
const SPECIAL: Readonly<Record<string, string>> = {
  'œ': 'oe', 'Œ': 'OE', 'æ': 'ae', 'Æ': 'AE', 'ß': 'ss', 'ẞ': 'SS', 'ø': 'o', 'Ø': 'O',
  'đ': 'd', 'Đ': 'D', 'ð': 'd', 'Ð': 'D', 'ł': 'l', 'Ł': 'L', 'þ': 'th', 'Þ': 'TH', 'ı': 'i',
  // Apostrophes and dashes keep their meaning in the allowed set ("L’Atelier" → "L'Atelier").
  '\u2018': "'", '\u2019': "'", '\u02bc': "'", '`': "'", '\u00b4': "'",
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2212': '-',
  // "Dupont & Fils" would lose its "&" to a space; "+" is the usual SEPA stand-in.
  '&': '+',
};
const SPECIAL_RE = new RegExp(`[${Object.keys(SPECIAL).join('')}]`, 'g');

const NOT_SEPA = /[^A-Za-z0-9/\-?:().,'+ ]/g;

/**
 * Transliterates to the SEPA set, replaces whatever is left with spaces, collapses runs of
 * spaces, trims and cuts to `max` characters (after which it trims again, so a cut never
 * leaves a trailing space). May return '' — callers decide whether that is a problem.
 */
export function sepaText(value: string, max: number): string {
  const latin = value
    // NFKD splits "é" into "e" + U+0301 and compatibility forms ("ﬁ", full-width letters)
    // into plain ones; the combining marks are then dropped, then the table does the rest.
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(SPECIAL_RE, (c) => SPECIAL[c]!);
  return latin.replace(NOT_SEPA, ' ').replace(/ {2,}/g, ' ').trim().slice(0, max).trim();
}

/**
 * EPC rule for references (MsgId, PmtInfId, EndToEndId): 1..35 characters of the SEPA set,
 * never starting or ending with "/" nor containing "//" (leading/trailing spaces are
 * refused too: banks trim them). References are ours and come back on bank statements
 * for reconciliation, so they are checked, never rewritten: a cut or transliterated id
 * would no longer match the statement it pays.
 */
export type SepaIdReason = 'empty' | 'too_long' | 'invalid_chars' | 'bad_slashes';

export function checkSepaId(value: string): SepaIdReason | null {
  if (value === '') return 'empty';
  if (value.length > 35) return 'too_long';
  if (!/^[A-Za-z0-9/\-?:().,'+ ]+$/.test(value) || value.trim() !== value) return 'invalid_chars';
  if (value.startsWith('/') || value.endsWith('/') || value.includes('//')) return 'bad_slashes';
  return null;
}
