import type { PdfBrand } from '../../pdf/pdf-brand';
import { DEFAULT_PDF_BRAND } from '../../pdf/pdf-brand';
import { contrastRatio, isHexColour, MIN_TEXT_CONTRAST } from './contrast';

/**
 * The operator's brand: its rules, pure. Words: *brand name*, *primary* (header bands,
 * buttons, links: white text sits on it), *accent* (small labels, focus ring: on white and
 * on the page background), *logo*, *default campaign image*.
 */
export type ImageType = 'png' | 'jpg';

/** What a page needs on every request: no image bytes. */
export interface BrandSummary {
  name: string | null;
  primary: string;
  accent: string;
  logoType: ImageType | null;
  imageType: ImageType | null;
  /** 0 until the operator saves a brand; goes up on every save (in the asset URLs). */
  version: number;
}

export const PAGE_BACKGROUND = '#f5f7fa';
export const WHITE = '#ffffff';
export const NAME_MAX = 80;
/** A logo is drawn at most ~60 px high; 512 KB is plenty and keeps every PDF small. */
export const LOGO_MAX_BYTES = 512 * 1024;

export const DEFAULT_BRAND: BrandSummary = { name: null, primary: DEFAULT_PDF_BRAND.primary, accent: DEFAULT_PDF_BRAND.accent, logoType: null, imageType: null, version: 0 };

export interface BrandInput {
  name: string | null;
  primary: string;
  accent: string;
}

export type BrandField = 'name' | 'primary' | 'accent' | 'logo' | 'image';
/** Field → message key (`brand.errors.*`). */
export type BrandErrors = Partial<Record<BrandField, string>>;

/** Accepts « #1F4E79 », « 1f4e79 » and the short « #abc »; gives #rrggbb lower case, or null. */
export function normaliseColour(raw: string): string | null {
  let s = raw.trim().toLowerCase();
  if (!s.startsWith('#')) s = `#${s}`;
  if (/^#[0-9a-f]{3}$/.test(s)) s = `#${[...s.slice(1)].map((c) => c + c).join('')}`;
  return isHexColour(s) ? s : null;
}

/**
 * Checks the form. The colours must keep every page, mail and PDF readable (WCAG 1.4.3,
 * 4.5:1): white text on the primary colour (buttons, header bands), the primary colour as
 * link text on the page background, the accent as small labels on white and on the page
 * background. Nothing is saved while one fails.
 */
export function parseBrandForm(values: { name: string; primary: string; accent: string }): { input: BrandInput | null; errors: BrandErrors } {
  const errors: BrandErrors = {};
  const name = values.name.replace(/\s+/g, ' ').trim();
  if (name.length > NAME_MAX) errors.name = 'brand.errors.name_too_long';
  else if (/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(name)) errors.name = 'brand.errors.name_characters';
  const primary = normaliseColour(values.primary);
  const accent = normaliseColour(values.accent);
  if (!primary) errors.primary = 'brand.errors.colour_format';
  else if (contrastRatio(WHITE, primary) < MIN_TEXT_CONTRAST || contrastRatio(primary, PAGE_BACKGROUND) < MIN_TEXT_CONTRAST) errors.primary = 'brand.errors.primary_contrast';
  if (!accent) errors.accent = 'brand.errors.colour_format';
  else if (contrastRatio(accent, WHITE) < MIN_TEXT_CONTRAST || contrastRatio(accent, PAGE_BACKGROUND) < MIN_TEXT_CONTRAST) errors.accent = 'brand.errors.accent_contrast';
  if (Object.keys(errors).length) return { input: null, errors };
  return { input: { name: name || null, primary: primary!, accent: accent! }, errors };
}

/** The ratios the form shows beside each colour (rounded down: 4.49 must not read « 4.5 »). */
export function contrastFigures(primary: string, accent: string) {
  const floor = (x: number) => Math.floor(x * 10) / 10;
  return {
    whiteOnPrimary: floor(contrastRatio(WHITE, primary)),
    primaryOnPage: floor(contrastRatio(primary, PAGE_BACKGROUND)),
    accentOnWhite: floor(contrastRatio(accent, WHITE)),
    accentOnPage: floor(contrastRatio(accent, PAGE_BACKGROUND)),
  };
}

/** The hover shade of the primary colour: 25 % darker, so white text on it stays above 4.5:1. */
export function darken(hex: string, factor = 0.75): string {
  return `#${[1, 3, 5].map((i) => Math.round(parseInt(hex.slice(i, i + 2), 16) * factor).toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The stylesheet served at /brand.css, loaded after app.css: it overrides only the custom
 * properties (the CSP forbids inline styles). The values were checked as #rrggbb on save.
 */
export function brandCss(b: Pick<BrandSummary, 'primary' | 'accent'>): string {
  return `:root {\n  --brand: ${b.primary};\n  --brand-dark: ${darken(b.primary)};\n  --accent: ${b.accent};\n}\n`;
}

/** The brand as a PDF draws it. */
export function toPdfBrand(b: BrandSummary, logo: Buffer | null): PdfBrand {
  return { name: b.name, primary: b.primary, accent: b.accent, logo: logo && b.logoType ? { bytes: logo, type: b.logoType === 'png' ? 'png' : 'jpeg' } : null };
}
