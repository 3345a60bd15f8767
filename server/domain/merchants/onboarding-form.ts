import { isPlainText } from '../../lib/plain-text';
import { optional, parseBic, parseIban, parseSiret } from '../../lib/identifiers';
import { parseSepaName, type SepaNameReason } from '../../settlement/sepa-text';

/**
 * The shop categories offered in the application form. A fixed list (not free text) so
 * the public shop list stays tidy and so employer rules can later name categories
 * ("not fuel", "everyday food only") without guessing at spellings. Stored as the French
 * label, which is what the public pages show (the demo shops use the same labels).
 */
export const SHOP_CATEGORIES = [
  'Alimentation fine',
  'Alimentation générale',
  'Art et décoration',
  'Beauté et bien-être',
  'Bijouterie',
  'Boucherie-charcuterie',
  'Boulangerie-pâtisserie',
  'Bricolage',
  'Carburant',
  'Culture',
  'Épicerie fine',
  'Fleuriste',
  'Jouets',
  'Librairie',
  'Optique',
  'Prêt-à-porter',
  'Primeur',
  'Restaurant',
  'Services',
  'Sport et loisirs',
  'Supermarché',
  'Autre',
] as const;

/** The fields an applicant or an editing operator fills in (all strings, as posted). */
export const SHOP_FIELDS = ['name', 'siret', 'category', 'address', 'postalCode', 'city', 'iban', 'bic', 'accountHolder', 'contactName', 'contactEmail', 'phone', 'openingHours', 'website'] as const;
export type ShopFormValues = Record<(typeof SHOP_FIELDS)[number], string>;

/** What the database takes once the form is valid (normalised identifiers, nulls for blanks). */
export interface ShopDetails {
  name: string;
  siret: string;
  category: string;
  address: string;
  postalCode: string;
  city: string;
  iban: string;
  bic: string | null;
  accountHolder: string;
  contactName: string;
  contactEmail: string;
  phone: string;
  openingHours: string | null;
  website: string | null;
}

export interface ParsedShopForm {
  values: ShopFormValues;
  /** Field name → i18n key, shown beside the field. */
  errors: Record<string, string>;
  input?: ShopDetails;
}

const MAX: Record<keyof ShopFormValues, number> = {
  name: 120, siret: 40, category: 60, address: 200, postalCode: 10, city: 80, iban: 50, bic: 20,
  accountHolder: 120, contactName: 120, contactEmail: 254, phone: 30, openingHours: 300, website: 200,
};

/**
 * The account holder goes into every SEPA transfer to the shop: refused here unless it can
 * be written in the SEPA character set (parseSepaName), so one shop's details never reach
 * a settlement batch it would break.
 */
const HOLDER_ERRORS: Record<Exclude<SepaNameReason, 'empty'>, string> = {
  invalid_chars: 'onboarding.errors.holder_chars',
  no_letter_or_digit: 'onboarding.errors.holder_letters',
  too_long: 'onboarding.errors.holder_too_long',
};

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Only https, no credentials in the URL: the link is shown publicly on the shop list. */
export function parseWebsite(input: string): string | null | false {
  const v = input.trim();
  if (!v) return null;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' && !u.username && !u.password && u.hostname.includes('.') ? u.toString() : false;
  } catch {
    return false;
  }
}

/**
 * Pure validation of the shop form (public application and operator edit share it).
 * Values are kept as typed (cut to a sane length) so the page re-renders them.
 */
export function parseShopForm(body: Record<string, unknown>): ParsedShopForm {
  const values = Object.fromEntries(SHOP_FIELDS.map((f) => [f, str(body[f]).slice(0, MAX[f] + 50)])) as ShopFormValues;
  const errors: Record<string, string> = {};
  const text = (f: keyof ShopFormValues, required = true, multiline = false): string => {
    const v = values[f].trim();
    if (!v) {
      if (required) errors[f] = 'errors.required';
    } else if (v.length > MAX[f]) errors[f] = 'errors.too_long';
    else if (!isPlainText(v, multiline)) errors[f] = 'onboarding.errors.invalid_chars';
    return v;
  };

  const name = text('name');
  const address = text('address');
  const city = text('city');
  const holderText = text('accountHolder');
  const holder = parseSepaName(holderText);
  if (!errors.accountHolder && !holder.ok && holder.reason !== 'empty') errors.accountHolder = HOLDER_ERRORS[holder.reason];
  const accountHolder = holder.ok ? holder.value : holderText;
  const contactName = text('contactName');
  const openingHours = text('openingHours', false, true);

  const category = values.category.trim();
  if (!(SHOP_CATEGORIES as readonly string[]).includes(category)) errors.category = 'onboarding.errors.category';

  const postalCode = values.postalCode.replace(/\s/g, '');
  if (!/^\d{5}$/.test(postalCode)) errors.postalCode = 'onboarding.errors.postal_code';

  const siret = parseSiret(values.siret);
  if (!siret.ok) errors.siret = siret.reason === 'empty' ? 'errors.required' : siret.reason === 'bad_check' ? 'onboarding.errors.siret_check' : 'onboarding.errors.siret_format';

  const iban = parseIban(values.iban);
  if (!iban.ok) errors.iban = iban.reason === 'empty' ? 'errors.required' : iban.reason === 'bad_check' ? 'onboarding.errors.iban_check' : 'onboarding.errors.iban_format';

  const bic = optional(parseBic)(values.bic);
  if (!bic.ok) errors.bic = 'onboarding.errors.bic';

  const contactEmail = values.contactEmail.trim().toLowerCase();
  if (!contactEmail) errors.contactEmail = 'errors.required';
  else if (contactEmail.length > MAX.contactEmail || !EMAIL.test(contactEmail)) errors.contactEmail = 'errors.email';

  const phone = values.phone.trim();
  const digits = phone.replace(/[\s.\-()]/g, '');
  if (!phone) errors.phone = 'errors.required';
  else if (!/^\+?\d{9,15}$/.test(digits)) errors.phone = 'onboarding.errors.phone';

  const website = parseWebsite(values.website);
  if (website === false) errors.website = 'onboarding.errors.website';

  if (Object.keys(errors).length || !siret.ok || !iban.ok || !bic.ok || website === false) return { values, errors };
  return {
    values,
    errors,
    input: { name, siret: siret.value, category, address, postalCode, city, iban: iban.value, bic: bic.value, accountHolder, contactName, contactEmail, phone, openingHours: openingHours || null, website },
  };
}

/** Checked campaign ids from a form: one value or several (repeated field), unknown ones dropped by the caller. */
export function checkedIds(v: unknown): string[] {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return [...new Set(list.filter((x): x is string => typeof x === 'string' && x.length > 0 && x.length <= 64))].slice(0, 50);
}

/** "Boulangerie Le Fournil d'Or" → "boulangerie-le-fournil-d-or" (ASCII, for URLs). */
export function slugify(name: string): string {
  const s = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return s || 'commerce';
}
