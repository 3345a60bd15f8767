import type { VoucherShops } from '../domain/campaigns/voucher-shops-repository';
import { formatCode } from '../lib/codes';
import { formatLongDate } from '../lib/dates';
import { categoryLabel, translateForPage } from '../lib/i18n';
import { formatMoney } from '../lib/money';
import type { PdfBrand } from './pdf-brand';
import { drawQr, qrRuns, type QrRuns } from './qr-vector';

/**
 * What the A4 and A6 voucher layouts share: the inputs, the texts of one voucher, the
 * per-document resources (logo, directory QR) and the tagging of what is drawn (RGAA 13.3:
 * a tagged PDF, each piece of text in a structure element, decoration marked as artifact).
 */
export interface VoucherSheet {
  code: string;
  amountCents: number;
  balanceCents: number;
  expiresAt: string;
  recipientName: string | null;
  message: string | null;
}

export type VoucherPdfFormat = 'a4' | 'a6';

export interface VoucherPdfContext {
  baseUrl: string;
  locale: string;
  campaignName: string;
  operatorName: string;
  demo: boolean;
  brand: PdfBrand;
  /** The balance printed is the balance at this moment, and the document says so. */
  printedAt: Date;
  /** The first partner shops, how many there are, and the directory page that lists them all. */
  shops: VoucherShops & { directoryUrl: string };
  format?: VoucherPdfFormat;
}

export const INK = '#16202b';
export const MUTED = '#4f5b67';
export const LINE = '#d5dbe2';
export const DEMO_RED = '#b00020';

type Struct = ReturnType<PDFKit.PDFDocument['struct']>;

/** An image pdfkit opened (and embeds once, at its first use). */
type Logo = Buffer & { readonly opened: unique symbol };

/** Per document: the logo (embedded once however many pages draw it), the directory QR, the structure root. */
export interface DocResources {
  logo: Logo | null;
  directoryQr: QrRuns;
  /** The one child of the structure tree's root (PDF/UA wants a single Document); each page adds a Sect. */
  root: Struct;
}

export function docResources(doc: PDFKit.PDFDocument, ctx: VoucherPdfContext): DocResources {
  // pdfkit's image() takes what openImage() returns (its types know only a Buffer or a path).
  const open = (bytes: Buffer) => (doc as unknown as { openImage(b: Buffer): Logo }).openImage(bytes);
  const root = doc.struct('Document');
  doc.addStructure(root);
  return { logo: ctx.brand.logo ? open(ctx.brand.logo.bytes) : null, directoryQr: qrRuns(ctx.shops.directoryUrl), root };
}

export function voucherTexts(v: VoucherSheet, ctx: VoucherPdfContext) {
  const t = (key: string, params?: Record<string, string | number>) => translateForPage(ctx.locale, key, params);
  const money = (c: number) => formatMoney(c, ctx.locale);
  const url = `${ctx.baseUrl}/v/${v.code}`;
  return {
    t,
    url,
    printedUrl: `${ctx.baseUrl}/v/${formatCode(v.code)}`,
    code: formatCode(v.code),
    value: money(v.amountCents),
    balance: money(v.balanceCents),
    balanceLabel: t('vpdf.balance_on', { date: formatLongDate(ctx.printedAt.toISOString(), ctx.locale) }),
    expires: formatLongDate(v.expiresAt, ctx.locale),
    subtitle: ctx.brand.name ?? ctx.operatorName,
    qr: qrRuns(url),
    shopLine: (s: VoucherShops['shops'][number]) => `${categoryLabel(s.category, ctx.locale)} · ${s.address}, ${s.postalCode} ${s.city}`,
  };
}

export type VoucherTexts = ReturnType<typeof voucherTexts>;

/**
 * One voucher's page: a Sect of the Document; every drawing goes through here. Ended, a Sect
 * is written out and forgets its children, so the tree costs a few bytes a page in memory.
 */
export class TaggedPage {
  private readonly sect: Struct;
  constructor(
    readonly doc: PDFKit.PDFDocument,
    root: Struct,
  ) {
    this.sect = doc.struct('Sect');
    root.add(this.sect);
  }

  /** Decoration (bands, boxes, rules): outside the reading order. */
  artifact(draw: () => void): void {
    this.doc.markContent('Artifact', { type: 'Layout' });
    draw();
    this.doc.endMarkedContent();
  }

  el(tag: string, draw: () => void, options: PDFKit.Mixins.StructureElementOptions = {}): void {
    this.sect.add(this.keep(this.doc.struct(tag, options, draw)));
  }

  private readonly made: Struct[] = [];
  private keep(e: Struct): Struct {
    this.made.push(e);
    return e;
  }

  figure(alt: string, draw: () => void): void {
    this.el('Figure', draw, { alt });
  }

  /** A list whose items are drawn by `draw(i)`. */
  list(count: number, draw: (i: number) => void): void {
    if (count === 0) return;
    const list = this.keep(this.doc.struct('L'));
    this.sect.add(list);
    for (let i = 0; i < count; i++) list.add(this.keep(this.doc.struct('LI', {}, [this.keep(this.doc.struct('LBody', {}, () => draw(i)))])));
    list.end();
  }

  end(): void {
    this.sect.end();
    forgetWritten(this.made);
  }
}

export interface TextStyle {
  font?: 'Regular' | 'SemiBold' | 'Bold' | 'Italic';
  size: number;
  color?: string;
}

/** Sets font, size and colour; returns the document for chaining. */
export function style(doc: PDFKit.PDFDocument, s: TextStyle): PDFKit.PDFDocument {
  return doc.font(s.font ?? 'Regular').fontSize(s.size).fillColor(s.color ?? INK);
}

export function qr(doc: PDFKit.PDFDocument, runs: QrRuns, x: number, y: number, size: number): void {
  drawQr(doc, runs, x, y, size);
}

/** The logo in a white rounded box (so any logo reads on the brand colour). */
export function logoBox(doc: PDFKit.PDFDocument, page: TaggedPage, logo: Logo, alt: string, x: number, y: number, w: number, h: number): void {
  page.artifact(() => doc.roundedRect(x, y, w, h, Math.min(8, h / 5)).fill('#ffffff'));
  const pad = Math.round(h / 8);
  page.figure(alt, () => doc.image(logo, x + pad, y + pad, { fit: [w - 2 * pad, h - 2 * pad], align: 'center', valign: 'center' }));
}

/** « label value » on one line, centred on `cx`: pdfkit's `continued` text ignores centring. */
export function centredPair(doc: PDFKit.PDFDocument, label: TextStyle & { text: string }, value: TextStyle & { text: string }, cx: number, y: number): void {
  const lw = style(doc, label).widthOfString(`${label.text} `);
  const vw = style(doc, value).widthOfString(value.text);
  const x0 = cx - (lw + vw) / 2;
  style(doc, label).text(`${label.text} `, x0, y, { lineBreak: false });
  style(doc, value).text(value.text, x0 + lw, y, { lineBreak: false });
}

/**
 * The largest of `sizes` at which `text` takes at most `maxLines` lines of `width` (a long
 * campaign name gets smaller rather than cut); at the smallest size it is cut with « … ».
 */
export function fitBlock(doc: PDFKit.PDFDocument, text: string, s: TextStyle, sizes: number[], width: number, maxLines: number, lineGap: number): { size: number; text: string; height: number } {
  for (const size of sizes) {
    style(doc, { ...s, size });
    const lineH = doc.currentLineHeight(true) + lineGap;
    const height = doc.heightOfString(text, { width, lineGap });
    if (height <= maxLines * lineH + 0.5) return { size, text, height };
  }
  const size = sizes[sizes.length - 1]!;
  style(doc, { ...s, size });
  const lineH = doc.currentLineHeight(true) + lineGap;
  let cut = text;
  while (cut.length > 1 && doc.heightOfString(`${cut}…`, { width, lineGap }) > maxLines * lineH + 0.5) cut = cut.slice(0, -1);
  return { size, text: `${cut.trimEnd()}…`, height: maxLines * lineH };
}

/**
 * The structure tree's parent tree keeps a reference to every element until the document
 * ends (it is written last). Once an element is written its dictionary is never read again,
 * so it is emptied: what stays is the small reference object (its number), not the
 * dictionary and the page it points to. pdfkit's own fields, checked before use.
 */
function forgetWritten(elements: Struct[]): void {
  for (const e of elements) {
    const inner = e as unknown as { _flushed?: boolean; dictionary?: { data?: object } };
    if (inner._flushed && inner.dictionary?.data) inner.dictionary.data = {};
  }
}
