import type { Checked } from '../lib/identifiers';

/**
 * Text for SEPA credit transfer files. The EPC implementation guidelines only guarantee
 * the basic Latin set across all banks: a-z A-Z 0-9 / - ? : ( ) . , ' + and space (EPC217-08
 * "SEPA Requirements for an Extended Character Set (UNICODE Subset) – Best Practices": any
 * other character, Greek or Cyrillic included, may only be exchanged by bilateral agreement).
 * Banks reject (or silently mangle) anything else, so names typed by shops ("Boulangerie
 * Lœuvre & Fils") are transliterated here rather than left to each bank's own conversion.
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

/** Accents off, ligatures and typographic marks to their basic Latin form; the rest untouched. */
function toBasicLatin(value: string): string {
  // NFKD splits "é" into "e" + U+0301 and compatibility forms ("ﬁ", full-width letters)
  // into plain ones; the combining marks are then dropped, then the table does the rest.
  return value.normalize('NFKD').replace(/\p{M}/gu, '').replace(SPECIAL_RE, (c) => SPECIAL[c]!);
}

/**
 * Transliterates to the SEPA set, replaces whatever is left with spaces, collapses runs of
 * spaces, trims and cuts to `max` characters (after which it trims again, so a cut never
 * leaves a trailing space). May return '' — callers decide whether that is a problem.
 */
export function sepaText(value: string, max: number): string {
  return toBasicLatin(value).replace(NOT_SEPA, ' ').replace(/ {2,}/g, ' ').trim().slice(0, max).trim();
}

/** pain.001 `Nm` (creditor, debtor, initiating party): Max140Text in ISO 20022, 70 in the EPC guidelines. */
export const SEPA_NAME_MAX = 70;

export type SepaNameReason = 'empty' | 'too_long' | 'invalid_chars' | 'no_letter_or_digit';

/**
 * The rule for a name typed where bank details are entered (a shop's account holder, the
 * operator's legal name): it must reach the bank as typed, give or take accents. So every
 * character must survive `sepaText`'s transliteration ("Zoé & Fils" → "Zoe + Fils" is fine;
 * "東京書店", "Ελληνικό Καφέ", "***" or "Café ★" would be dropped or blanked, and the bank
 * would get another name than the account's, or none), at least one letter or digit must
 * remain (a name of punctuation only names nobody), and the written form fits the EPC's
 * 70 characters (it is what the bank compares with the account's holder). Returns the
 * name as typed (trimmed, spaces collapsed): the file transliterates it when it is written.
 */
export function parseSepaName(input: string, max = SEPA_NAME_MAX): Checked<SepaNameReason> {
  const value = input.replace(/\s+/g, ' ').trim();
  if (value === '') return { ok: false, reason: 'empty' };
  const latin = toBasicLatin(value);
  if (new RegExp(NOT_SEPA.source).test(latin)) return { ok: false, reason: 'invalid_chars' };
  if (!/[A-Za-z0-9]/.test(latin)) return { ok: false, reason: 'no_letter_or_digit' };
  if (latin.length > max) return { ok: false, reason: 'too_long' };
  return { ok: true, value };
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
