import { formatMoney } from './money';
import { typeset } from './typography';
import { en as enBase } from './locales/en';
import { fr as frBase } from './locales/fr';
import { tillEn } from './locales/till.en';
import { tillFr } from './locales/till.fr';
import { bulkEn } from './locales/bulk.en';
import { bulkFr } from './locales/bulk.fr';
import { invoiceEn } from './locales/invoice.en';
import { invoiceFr } from './locales/invoice.fr';
import { sheetsEn } from './locales/sheets.en';
import { sheetsFr } from './locales/sheets.fr';
import { expiryEn } from './locales/expiry.en';
import { expiryFr } from './locales/expiry.fr';
import { operatorEn } from './locales/operator.en';
import { operatorFr } from './locales/operator.fr';
import { orgFormEn } from './locales/org-form.en';
import { orgFormFr } from './locales/org-form.fr';
import { settlementEn } from './locales/settlement.en';
import { operatorSettlementEn } from './locales/operator-settlement.en';
import { operatorSettlementFr } from './locales/operator-settlement.fr';
import { settlementFr } from './locales/settlement.fr';
import { statementsEn } from './locales/statements.en';
import { statementsFr } from './locales/statements.fr';
import { operatorSupportEn } from './locales/operator-support.en';
import { operatorSupportFr } from './locales/operator-support.fr';
import { onboardingEn } from './locales/onboarding.en';
import { onboardingFr } from './locales/onboarding.fr';
import { campaignsAdminEn } from './locales/campaigns-admin.en';
import { campaignsAdminFr } from './locales/campaigns-admin.fr';
import { bonusEn } from './locales/bonus.en';
import { bonusFr } from './locales/bonus.fr';
import { checkoutEn } from './locales/checkout.en';
import { checkoutFr } from './locales/checkout.fr';
import { fecEn } from './locales/fec.en';
import { fecFr } from './locales/fec.fr';
import { legalEn } from './locales/legal.en';
import { legalFr } from './locales/legal.fr';
import { giftsEn } from './locales/gifts.en';
import { giftsFr } from './locales/gifts.fr';
import { voucherPdfEn } from './locales/voucher-pdf.en';
import { voucherPdfFr } from './locales/voucher-pdf.fr';
import { privacyEn } from './locales/privacy.en';
import { privacyFr } from './locales/privacy.fr';
import { categoryEn } from './locales/category.en';
import { categoryFr } from './locales/category.fr';
import { brandEn } from './locales/brand.en';
import { brandFr } from './locales/brand.fr';
import { directoryEn } from './locales/directory.en';
import { directoryFr } from './locales/directory.fr';

// One area per line, so that adding an area is one line here (and merges stay trivial).
const fr: Record<string, string> = Object.assign(
  {},
  frBase, tillFr, bulkFr, invoiceFr, sheetsFr, orgFormFr, operatorFr, settlementFr, operatorSettlementFr, expiryFr, statementsFr, onboardingFr, operatorSupportFr, bonusFr, campaignsAdminFr,
  checkoutFr,
  fecFr,
  legalFr,
  giftsFr,
  privacyFr,
  categoryFr,
  brandFr,
  directoryFr,
  voucherPdfFr,
);
const en: Record<string, string> = Object.assign(
  {},
  enBase, tillEn, bulkEn, invoiceEn, sheetsEn, orgFormEn, operatorEn, settlementEn, operatorSettlementEn, expiryEn, statementsEn, onboardingEn, operatorSupportEn, bonusEn, campaignsAdminEn,
  checkoutEn,
  fecEn,
  legalEn,
  giftsEn,
  privacyEn,
  categoryEn,
  brandEn,
  directoryEn,
  voucherPdfEn,
);

export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'fr';

/** Every locale's merged dictionary (tests check that they hold the same keys). */
export const dictionaries: Record<Locale, Record<string, string>> = { fr, en };

export function isLocale(x: unknown): x is Locale {
  return typeof x === 'string' && (LOCALES as readonly string[]).includes(x);
}

const pluralRules = new Map<string, Intl.PluralRules>();

/** The CLDR plural category of n in the locale (fr: 0 and 1 are "one"; en: only 1 is). */
export function pluralCategory(locale: string, n: number): Intl.LDMLPluralRule {
  const tag = isLocale(locale) ? locale : DEFAULT_LOCALE;
  let rules = pluralRules.get(tag);
  if (!rules) pluralRules.set(tag, (rules = new Intl.PluralRules(tag)));
  return rules.select(n);
}

/**
 * The text of a key: a key with plural forms is written as `key.one` / `key.other` (and
 * `key.many` where the language has it) and chosen by Intl.PluralRules from the numeric
 * `count` parameter, so no text needs « (s) ».
 */
function lookup(dict: Record<string, string>, locale: string, key: string, params?: Record<string, unknown>): string | undefined {
  if (dict[key] !== undefined) return dict[key];
  if (dict[`${key}.other`] === undefined) return undefined;
  const count = Number(params?.count);
  const category = Number.isFinite(count) ? pluralCategory(locale, count) : 'other';
  return dict[`${key}.${category}`] ?? dict[`${key}.other`];
}

/** Looks a key up in the locale, then in French; a missing key shows itself (tests catch it). */
export function translate(locale: string, key: string, params?: Record<string, string | number>): string {
  return render(locale, key, params, false);
}

/**
 * The same for a page: the text gets the language's typography (French no-break spaces before
 * « : ; ! ? % »), applied to our own text before parameters (names, messages) are filled in.
 */
export function translateForPage(locale: string, key: string, params?: Record<string, string | number>): string {
  return render(locale, key, params, true);
}

function render(locale: string, key: string, params: Record<string, string | number> | undefined, typography: boolean): string {
  const lang = isLocale(locale) ? locale : DEFAULT_LOCALE;
  const dict = dictionaries[lang];
  const found = lookup(dict, lang, key, params);
  const raw = found ?? lookup(fr, 'fr', key, params) ?? key;
  const text = typography ? typeset(raw, found !== undefined ? lang : 'fr') : raw;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m: string, name: string) => {
    if (name in params) return String(params[name]);
    // {max} is filled from a maxCents parameter, formatted as money in the locale.
    const cents = params[`${name}Cents`];
    return typeof cents === 'number' ? formatMoney(cents, locale) : m;
  });
}

/** A shop category (stored as its French label) in the locale; an unknown label shows as stored. */
export function categoryLabel(stored: string, locale: string): string {
  const key = `category.${stored.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')}`;
  return key in fr ? translate(locale, key) : stored;
}

/** The best supported language from an Accept-Language header, French by default. */
export function negotiateLocale(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return DEFAULT_LOCALE;
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { lang: (tag ?? '').trim().slice(0, 2).toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked.find((x) => isLocale(x.lang))?.lang as Locale | undefined ?? DEFAULT_LOCALE;
}
