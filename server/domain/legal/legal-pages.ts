import type { Locale } from '../../lib/i18n';
import { isPlainText } from '../../lib/plain-text';
import { defaultTextEn } from './default-texts.en';
import { defaultTextFr } from './default-texts.fr';
import type { Identity } from './identity';

/**
 * The operator's legal and compliance pages: what each is called, where it is published,
 * and its default text. Pure: the repository stores the operator's versions, the web edge
 * renders them.
 */
export const LEGAL_PAGE_KEYS = ['mentions', 'terms', 'merchant-terms', 'privacy', 'accessibility'] as const;
export type LegalPageKey = (typeof LEGAL_PAGE_KEYS)[number];

/** Public paths (French words like the rest of the site; never renamed once published). */
export const LEGAL_PATHS: Record<LegalPageKey, string> = {
  mentions: '/mentions-legales',
  terms: '/conditions-de-vente',
  'merchant-terms': '/conditions-commercants',
  privacy: '/confidentialite',
  accessibility: '/accessibilite',
};

export function isLegalPageKey(x: unknown): x is LegalPageKey {
  return typeof x === 'string' && (LEGAL_PAGE_KEYS as readonly string[]).includes(x);
}

/** RGAA conformity states (« non / partiellement / totalement conforme »). Without a valid audit, a site is « non conforme ». */
export const CONFORMITY_LEVELS = ['none', 'partial', 'full'] as const;
export type ConformityLevel = (typeof CONFORMITY_LEVELS)[number];
export const DEFAULT_CONFORMITY: ConformityLevel = 'none';
export const isConformityLevel = (x: unknown): x is ConformityLevel => typeof x === 'string' && (CONFORMITY_LEVELS as readonly string[]).includes(x);

export function defaultLegalText(page: LegalPageKey, locale: Locale, identity: Identity): string {
  return locale === 'en' ? defaultTextEn(page, identity) : defaultTextFr(page, identity);
}

export const MAX_BODY_CHARS = 20_000;

/** Why a body typed in the back-office is refused, or null (the same bounds as the table's CHECK). */
export function bodyProblem(body: string): 'empty' | 'too_long' | 'control_chars' | null {
  if (!body.trim()) return 'empty';
  if (body.length > MAX_BODY_CHARS) return 'too_long';
  // Tabs are allowed in a text area paste; other control and bidi characters are not.
  if (!isPlainText(body.replace(/\t/g, ' '), true)) return 'control_chars';
  return null;
}
