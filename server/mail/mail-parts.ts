import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Database_ } from '../../db/client';
import type { Seller } from '../invoices/invoice-document';
import { readBrandSummary } from '../domain/brand/brand-repository';
import type { BrandSummary } from '../domain/brand/brand';
import { sqliteMailReads, type MailReads } from './mail-reads';
import { translateForPage } from '../lib/i18n';
import type { OutgoingMail } from './transport';

/** What every message renderer receives. */
export interface MessageContext {
  database: Database_;
  baseUrl: string;
  viewsDir: string;
  demo: boolean;
  /** The operator's identity: its IBAN/BIC for bank-transfer orders. */
  operator: Seller;
  /** Where the renderers read (mail-reads.ts); absent: the SQLite `database`. */
  reads?: MailReads;
}

/** The context's reads: PostgreSQL's when the app runs there, else the SQLite file's. */
export function readsOf(ctx: MessageContext): MailReads {
  return ctx.reads ?? sqliteMailReads(ctx.database);
}

const templates = new Map<string, HandlebarsTemplateDelegate>();
/**
 * A mail template, called with its view. Every template also gets `brand` (the operator's
 * scheme name, null until set, and its primary colour, checked for white text on save), read when
 * the mail is rendered so a mail sent after a save carries the new brand (renderers that run on
 * either backend read it first, through readsOf(ctx).brand(), and pass it).
 */
export function template(ctx: MessageContext, name: string, brand?: BrandSummary): (view: Record<string, unknown>) => string {
  let tpl = templates.get(name);
  if (!tpl) {
    tpl = Handlebars.compile(readFileSync(join(ctx.viewsDir, 'mail', `${name}.hbs`), 'utf8'), { noEscape: name.endsWith('.text') });
    templates.set(name, tpl);
  }
  const compiled = tpl;
  return (view) => {
    const b = brand ?? readBrandSummary(ctx.database.db);
    return compiled({ brand: { name: b.name, primary: b.primary }, ...view });
  };
}

export async function toBuffer(write: (out: PassThrough) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await write(out);
  return Buffer.concat(chunks);
}

/**
 * The punctuation a text template writes between our words and a value (« Montant : 20 € »):
 * French puts a no-break space before the colon and inside the guillemets, English none.
 */
export const punctuation = (locale: string) =>
  locale === 'en' ? { colon: ':', quote_open: '“', quote_close: '”' } : { colon: '\u00A0:', quote_open: '«\u202F', quote_close: '\u202F»' };

/**
 * The `mail.*` texts a template uses, keyed without their `mail.` / `mail.org.` / `mail.expiry.`
 * prefix, with the language's typography (French no-break spaces, as on pages) and punctuation.
 */
export const texts = (locale: string, keys: string[], params: Record<string, string | number>): Record<string, string> => ({
  ...punctuation(locale),
  ...Object.fromEntries(keys.map((k) => [k.replace(/^mail\.(org\.|expiry\.)?/, ''), translateForPage(locale, k, params)])),
});

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A short plain message (a one-time link): the text, and the same as minimal HTML with the links clickable. */
export function plainMail(to: string, subject: string, text: string): OutgoingMail {
  const html = `<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;color:#1b2330;line-height:1.5">${escapeHtml(text)
    .split('\n')
    .map((line) => (line.startsWith('http') ? `<a href="${line}">${line}</a>` : line))
    .join('<br>')}</body></html>`;
  return { to, subject, text, html };
}
