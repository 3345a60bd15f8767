/**
 * The columns of a beneficiaries file and the rules for each cell. Codes map to message
 * keys here, written out in full so the i18n test sees every key.
 */
import { isPlainText } from '../../lib/plain-text';
import { z } from 'zod';
import { parseEuroAmount, type Cents } from '../../lib/money';

export type Column = 'name' | 'firstName' | 'email' | 'amount' | 'message';
export const REQUIRED_COLUMNS = ['name', 'amount'] as const;

export const NAME_MAX = 100;
export const MESSAGE_MAX = 300;
const EMAIL_MAX = 254; // RFC 5321 path limit

export const ROW_MESSAGES = {
  name_missing: 'bulk.row.name_missing',
  name_too_long: 'bulk.row.name_too_long',
  name_invalid_chars: 'bulk.row.name_invalid_chars',
  email_invalid: 'bulk.row.email_invalid',
  amount_missing: 'bulk.row.amount_missing',
  amount_invalid: 'bulk.row.amount_invalid',
  amount_negative: 'bulk.row.amount_negative',
  amount_zero: 'bulk.row.amount_zero',
  amount_decimals: 'bulk.row.amount_decimals',
  amount_below_min: 'bulk.row.amount_below_min',
  amount_above_max: 'bulk.row.amount_above_max',
  amount_not_allowed: 'bulk.row.amount_not_allowed',
  message_too_long: 'bulk.row.message_too_long',
  message_invalid_chars: 'bulk.row.message_invalid_chars',
  duplicate_row: 'bulk.row.duplicate_row',
  duplicate_email: 'bulk.row.duplicate_email',
  extra_cells: 'bulk.row.extra_cells',
} as const;
export type RowCode = keyof typeof ROW_MESSAGES;

/**
 * Header names, compared without case, accents, punctuation or a parenthesised unit:
 * "E-mail", "Montant (€)" and "Nom du bénéficiaire" all match. A separate first-name column
 * (common in HR exports) is joined to the name rather than silently dropped.
 */
const ALIASES: Record<Column, string[]> = {
  name: ['nom', 'name', 'beneficiaire', 'nomdubeneficiaire', 'nombeneficiaire', 'nomcomplet', 'nomprenom', 'nometprenom',
    'prenomnom', 'prenometnom', 'nomdefamille', 'lastname', 'surname', 'fullname', 'beneficiary', 'beneficiaryname',
    'recipient', 'recipientname', 'destinataire'],
  firstName: ['prenom', 'prenoms', 'firstname', 'givenname'],
  email: ['email', 'mail', 'courriel', 'adressemail', 'adresseemail', 'adressecourriel', 'adresseelectronique', 'emailaddress'],
  amount: ['montant', 'amount', 'valeur', 'value', 'montantdubon', 'valeurdubon', 'vouchervalue', 'voucheramount'],
  message: ['message', 'messagepersonnalise', 'motpersonnalise', 'petitmot', 'mot', 'dedicace', 'personalmessage'],
};
const BY_ALIAS = new Map(Object.entries(ALIASES).flatMap(([col, names]) => names.map((n) => [n, col as Column])));

export function headerKey(header: string): string {
  return header
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\(.*?\)|\[.*?\]/g, '')
    .replace(/[^a-z0-9]/g, '');
}

/** The column a header names, or null for a column we ignore. "Montant en euros" → amount. */
export function columnOf(header: string): Column | null {
  const key = headerKey(header);
  return BY_ALIAS.get(key) ?? BY_ALIAS.get(key.replace(/(en)?(euros?|eur)$/, '')) ?? null;
}

type Field<T> = { ok: true; value: T } | { ok: false; code: RowCode };

/** Trimmed, inner runs of spaces (incl. no-break) collapsed: "  Jean\u00a0 Dupont " → "Jean Dupont". */
export function cleanText(raw: string | undefined): string {
  return (raw ?? '').replace(/\s+/g, ' ').trim();
}

export function checkName(raw: string): Field<string> {
  if (raw === '') return { ok: false, code: 'name_missing' };
  // Control and bidi characters would reach the voucher PDFs and mails (as the forms and the API refuse them).
  if (!isPlainText(raw)) return { ok: false, code: 'name_invalid_chars' };
  return [...raw].length > NAME_MAX ? { ok: false, code: 'name_too_long' } : { ok: true, value: raw };
}

const emailSchema = z.email();

/** Blank is allowed (the voucher is then handed over by the buyer). Lower-cased like every email in the app. */
export function checkEmail(raw: string | undefined): Field<string | null> {
  const email = (raw ?? '').trim().toLowerCase();
  if (email === '') return { ok: true, value: null };
  const valid = email.length <= EMAIL_MAX && emailSchema.safeParse(email).success;
  return valid ? { ok: true, value: email } : { ok: false, code: 'email_invalid' };
}

/** Line breaks are kept (a quoted cell may hold a short letter) but normalised to \n. */
export function checkMessage(raw: string | undefined): Field<string | null> {
  const message = (raw ?? '').replace(/\r\n?/g, '\n').trim();
  if (message === '') return { ok: true, value: null };
  if (!isPlainText(message, true)) return { ok: false, code: 'message_invalid_chars' };
  return [...message].length > MESSAGE_MAX ? { ok: false, code: 'message_too_long' } : { ok: true, value: message };
}

const CURRENCY_BEFORE = /^(€|eur)\s*/i;
const CURRENCY_AFTER = /\s*(€|eur|euros?)$/i;
// "1,000.00" (English) or "1.000,00" (German): both separators, the last is the decimal one.
const MIXED = /^(\d{1,3})((?:([.,])\d{3})(?:\3\d{3})*)([.,])(\d{1,2})$/;

/**
 * A cell as a spreadsheet writes an amount: "50", "50,00 €", "€50", "1 000,00" (any kind of
 * space), "1,000.00". Sorted into precise reasons so the user knows what to fix.
 */
export function parseAmountCell(raw: string | undefined): Field<Cents> {
  const bare = (raw ?? '').trim().replace(CURRENCY_BEFORE, '').replace(CURRENCY_AFTER, '').trim();
  if (bare === '') return { ok: false, code: raw?.trim() ? 'amount_invalid' : 'amount_missing' };
  // "-50", "− 50", "50-" and the accountant's "(50,00)".
  if (/^[-\u2212]|-$|^\(.*\)$/.test(bare)) return { ok: false, code: 'amount_negative' };
  const mixed = MIXED.exec(bare);
  const canonical = mixed && mixed[3] !== mixed[4] ? `${mixed[1]}${mixed[2]!.replace(/[.,]/g, ' ')},${mixed[5]}` : bare;
  const cents = parseEuroAmount(canonical);
  if (cents === null) {
    // "12,345" or "1.000": a third decimal, or a thousands separator we cannot tell apart from one.
    const code = /^\d[\d\s]*[.,]\d{3,}$/.test(bare) ? 'amount_decimals' : 'amount_invalid';
    return { ok: false, code };
  }
  return cents === 0 ? { ok: false, code: 'amount_zero' } : { ok: true, value: cents };
}
