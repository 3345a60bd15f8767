/**
 * Business and bank identifiers typed by buyers (companies, town halls) and merchants:
 * SIREN/SIRET, intra-community VAT numbers, IBAN/BIC, Chorus Pro references.
 *
 * Every parser is pure and returns the normalised value or a reason the edge turns into a
 * message. Blank input is always the reason 'empty', so the caller decides whether a field
 * is required (see `optional`).
 */
export type Checked<R extends string> = { ok: true; value: string } | { ok: false; reason: R };

const fail = <R extends string>(reason: R): { ok: false; reason: R } => ({ ok: false, reason });
const pass = (value: string): { ok: true; value: string } => ({ ok: true, value });

/** `\s` also covers the no-break and narrow no-break spaces that copy-paste brings along. */
const compact = (input: string, extra = ''): string => input.replace(new RegExp(`[\\s${extra}]`, 'g'), '');

// ---------------------------------------------------------------------------------------
// SIREN / SIRET

export type NumberReason = 'empty' | 'invalid_chars' | 'wrong_length' | 'bad_check';

/** Luhn (mod 10): catches every single wrong digit and most adjacent swaps. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

function digitsOfLength(input: string, length: number): Checked<Exclude<NumberReason, 'bad_check'>> {
  const value = compact(input);
  if (value === '') return fail('empty');
  if (!/^\d+$/.test(value)) return fail('invalid_chars');
  return value.length === length ? pass(value) : fail('wrong_length');
}

/** SIREN: 9 digits, Luhn. Spaces ("732 829 320") are allowed in input. */
export function parseSiren(input: string): Checked<NumberReason> {
  const r = digitsOfLength(input, 9);
  if (!r.ok) return r;
  return luhnValid(r.value) ? r : fail('bad_check');
}

/**
 * La Poste registers so many establishments under SIREN 356 000 000 that INSEE ran out of
 * Luhn-valid NICs: its SIRETs follow "the sum of the 14 digits is a multiple of 5" instead.
 * The head office (356 000 000 00048) is Luhn-valid but fails that rule, so either is accepted.
 */
const LA_POSTE_SIREN = '356000000';

/** SIRET: 14 digits (SIREN + 5-digit NIC), Luhn over all 14 (La Poste: see above). */
export function parseSiret(input: string): Checked<NumberReason> {
  const r = digitsOfLength(input, 14);
  if (!r.ok) return r;
  if (luhnValid(r.value)) return r;
  if (r.value.startsWith(LA_POSTE_SIREN)) {
    const sum = [...r.value].reduce((s, c) => s + Number(c), 0);
    if (sum % 5 === 0) return r;
  }
  return fail('bad_check');
}

// ---------------------------------------------------------------------------------------
// Intra-community VAT numbers

export type VatReason = 'empty' | 'unknown_country' | 'malformed' | 'bad_check';

/**
 * The number after the country prefix, as VIES accepts it (sanity check only: the national
 * check digits are not verified except for France). Greece is "EL" in VAT numbers.
 */
const VAT_PATTERNS: Record<string, RegExp> = {
  AT: /^U\d{8}$/,
  BE: /^[01]\d{9}$/,
  BG: /^\d{9,10}$/,
  CY: /^\d{8}[A-Z]$/,
  CZ: /^\d{8,10}$/,
  DE: /^\d{9}$/,
  DK: /^\d{8}$/,
  EE: /^\d{9}$/,
  EL: /^\d{9}$/,
  ES: /^[A-Z0-9]\d{7}[A-Z0-9]$/,
  FI: /^\d{8}$/,
  // The key: 2 digits, or (for newer numbers) letters and digits without I and O.
  FR: /^[0-9A-HJ-NP-Z]{2}\d{9}$/,
  HR: /^\d{11}$/,
  HU: /^\d{8}$/,
  IE: /^(\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W])$/,
  IT: /^\d{11}$/,
  LT: /^(\d{9}|\d{12})$/,
  LU: /^\d{8}$/,
  LV: /^\d{11}$/,
  MT: /^\d{8}$/,
  NL: /^\d{9}B\d{2}$/,
  PL: /^\d{10}$/,
  PT: /^\d{9}$/,
  RO: /^[1-9]\d{1,9}$/,
  SE: /^\d{10}01$/,
  SI: /^\d{8}$/,
  SK: /^\d{10}$/,
  XI: /^(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/, // Northern Ireland (goods)
};

/** The numeric key of a French VAT number: (12 + 3 × (SIREN mod 97)) mod 97, two digits. */
function frenchVatKey(siren: string): string {
  return String((12 + 3 * (Number(siren) % 97)) % 97).padStart(2, '0');
}

/** The French VAT number of a company from its SIREN (e.g. to prefill a form from a SIRET). */
export function frenchVatNumber(siren: string): string {
  return `FR${frenchVatKey(siren)}${siren}`;
}

/** "FR 40 303 265 045", "fr40303265045", "DE-123.456.789" → "FR40303265045", "DE123456789". */
export function parseVatNumber(input: string): Checked<VatReason> {
  const raw = compact(input, '.\\-').toUpperCase();
  if (raw === '') return fail('empty');
  if (!/^[A-Z]{2}/.test(raw)) return fail('malformed');
  // People write Greece's ISO code; VIES and invoices need "EL".
  const value = raw.startsWith('GR') ? `EL${raw.slice(2)}` : raw;
  const country = value.slice(0, 2);
  const pattern = VAT_PATTERNS[country];
  if (!pattern) return fail('unknown_country');
  const rest = value.slice(2);
  if (!pattern.test(rest)) return fail('malformed');
  if (country === 'FR' && !frenchVatValid(rest.slice(0, 2), rest.slice(2))) return fail('bad_check');
  return pass(value);
}

/**
 * A numeric key must match the SIREN and the SIREN must be Luhn-valid. Alphanumeric keys
 * (numbers issued to some foreign businesses) have a check we do not verify. SIRENs starting
 * with 000 are Monaco's and carry no Luhn digit.
 */
function frenchVatValid(key: string, siren: string): boolean {
  if (!/^\d{2}$/.test(key)) return true;
  if (key !== frenchVatKey(siren)) return false;
  return siren.startsWith('000') || luhnValid(siren);
}

// ---------------------------------------------------------------------------------------
// IBAN / BIC

export type IbanReason = 'empty' | 'invalid_chars' | 'malformed' | 'unknown_country' | 'wrong_length' | 'bad_check';

/** IBAN lengths of the SEPA countries (EPC list), the only ones a SEPA transfer can reach. */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AL: 28, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20,
  ES: 24, FI: 18, FR: 27, GB: 22, GI: 23, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27,
  LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MT: 31, NL: 18, NO: 15,
  PL: 28, PT: 25, RO: 24, RS: 22, SE: 24, SI: 19, SK: 24, SM: 27, VA: 22,
};

/**
 * ISO 13616: move the first four characters to the end, letters become 10..35, the number
 * must be 1 mod 97. Folded digit by digit so no big integer is needed. A single wrong digit
 * (or letter for letter) shifts the number by k·10ⁿ with 0 < |k| < 97, and 97 is prime:
 * the remainder always changes.
 */
function ibanRemainder(iban: string): number {
  let r = 0;
  for (const ch of iban.slice(4) + iban.slice(0, 4)) {
    const v = parseInt(ch, 36);
    r = v > 9 ? (r * 100 + v) % 97 : (r * 10 + v) % 97;
  }
  return r;
}

/** The IBAN of a BBAN: check digits computed with the same mod 97 as the check (demo data, fixtures). */
export function ibanWithCheckDigits(country: string, bban: string): string {
  return `${country}${String(98 - ibanRemainder(`${country}00${bban}`)).padStart(2, '0')}${bban}`;
}

/** "fr76 3000 6000 0112 3456 7890 189" → "FR7630006000011234567890189". */
export function parseIban(input: string): Checked<IbanReason> {
  const value = compact(input).toUpperCase();
  if (value === '') return fail('empty');
  if (!/^[A-Z0-9]+$/.test(value)) return fail('invalid_chars');
  if (!/^[A-Z]{2}\d{2}/.test(value)) return fail('malformed');
  const length = IBAN_LENGTHS[value.slice(0, 2)];
  if (length === undefined) return fail('unknown_country');
  if (value.length !== length) return fail('wrong_length');
  // 00, 01 and 99 can never be produced by the check-digit computation.
  if (/^..(00|01|99)/.test(value) || ibanRemainder(value) !== 1) return fail('bad_check');
  return pass(value);
}

/** « FR76 •••• •••• 0189 »: enough for its owner to recognise an account, useless to copy from a screen. */
export const maskIban = (iban: string): string => (iban.length > 8 ? `${iban.slice(0, 4)} •••• •••• ${iban.slice(-4)}` : iban);

/** Groups of four for display and reading aloud: "FR76 3000 6000 0112 3456 7890 189". */
export function formatIban(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, '$1 ');
}

export type BicReason = 'empty' | 'wrong_length' | 'malformed';

/**
 * The pattern the SEPA credit transfer schema (pain.001.001.03) enforces, so a BIC accepted
 * here is never refused by the bank: bank code and country are letters, the location code
 * cannot start with 0 or 1 and its second character is never O.
 */
const BIC = /^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$/;

/** "bnpa fr pp xxx" → "BNPAFRPPXXX". 8 or 11 characters. */
export function parseBic(input: string): Checked<BicReason> {
  const value = compact(input).toUpperCase();
  if (value === '') return fail('empty');
  if (value.length !== 8 && value.length !== 11) return fail('wrong_length');
  return BIC.test(value) ? pass(value) : fail('malformed');
}

// ---------------------------------------------------------------------------------------
// Chorus Pro (public-sector e-invoicing) references

export type FreeCodeReason = 'empty' | 'too_long' | 'invalid_chars';

/** The recipient's service code: Chorus Pro accepts letters, digits, "-" and "_", ≤ 100. */
export function parseChorusServiceCode(input: string): Checked<FreeCodeReason> {
  const value = input.trim();
  if (value === '') return fail('empty');
  if (value.length > 100) return fail('too_long');
  return /^[A-Za-z0-9_-]+$/.test(value) ? pass(value) : fail('invalid_chars');
}

/**
 * Purchase-order / commitment number ("numéro d'engagement"), ≤ 50 characters. Any printable
 * text ("BC n° 2024-118"); control and invisible format characters are refused because they
 * end up in invoice XML and PDFs.
 */
export function parseCommitmentNumber(input: string): Checked<FreeCodeReason> {
  const value = input.trim().normalize('NFC');
  if (value === '') return fail('empty');
  if ([...value].length > 50) return fail('too_long');
  return /[\p{C}\p{Zl}\p{Zp}]/u.test(value) ? fail('invalid_chars') : pass(value);
}

/** For optional fields: blank (or missing) input is a valid absence (value null). */
export function optional<R extends string>(parse: (input: string) => Checked<R>) {
  return (input: string | null | undefined): { ok: true; value: string | null } | { ok: false; reason: Exclude<R, 'empty'> } => {
    if (input == null || input.trim() === '') return { ok: true, value: null };
    const r = parse(input);
    return r.ok ? r : (r as { ok: false; reason: Exclude<R, 'empty'> });
  };
}
