import PDFDocument from 'pdfkit';
import { translateForPage } from '../lib/i18n';
import { formatLongDate } from '../lib/dates';
import { formatMoney } from '../lib/money';
import { drawQr, qrRuns } from './qr-vector';
import { DEFAULT_PDF_BRAND, type PdfBrand } from './pdf-brand';
import { drawBrandLogo } from './pdf-brand-draw';
import { A4, pipePdf, winAnsi as pdfText } from './pdf-output';

/** One voucher to print on a sheet; `code` is the raw 20-symbol code, `formatted` its dashed form. */
export interface SheetVoucher {
  code: string;
  formatted: string;
  amountCents: number;
  expiresAt: string;
  recipientName?: string | null;
  campaignName: string;
  message?: string | null;
}

export interface VoucherSheetsOptions {
  baseUrl: string;
  locale: 'fr' | 'en';
  /** Campaign (or distribution) name: PDF title and page footer. */
  title?: string;
  /** E.g. « Noël » for employer gifts: printed on every card when set. */
  eventLabel?: string;
  orderReference?: string;
  /** The operator's brand (loadPdfBrand): card titles in its primary colour, its logo on each card, its name in the page footer. Crosses to the worker thread as plain data. */
  brand?: PdfBrand;
}

/** Where a card sits on its page, in PDF points from the top-left corner. */
export interface CardBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

const GREY = '#555555';
export const COLUMNS = 2;
export const ROWS = 4;
export const VOUCHERS_PER_PAGE = COLUMNS * ROWS;
// Margins leave room for the crop marks and stay outside every office printer's unprintable
// border (≈ 5 mm); the gutters let a guillotine or scissors miss by a millimetre without
// cutting into the neighbouring card.
const MARGIN = 24;
const GUTTER = 16;
const CARD_W = (A4.w - 2 * MARGIN - (COLUMNS - 1) * GUTTER) / COLUMNS;
const CARD_H = (A4.h - 2 * MARGIN - (ROWS - 1) * GUTTER) / ROWS;
/** Crop marks start a little away from the card corner so a slightly-off cut leaves no line on the card. */
const MARK_GAP = 3;
const MARK_OUTER = 12;
const MARK_INNER = GUTTER / 2 - MARK_GAP; // marks of neighbouring cards must not touch across a gutter
const PAD = 10;
/** QR width with its 4-module quiet zone: ≈ 34 mm of modules for a version-4 code, scannable from paper. */
const QR_W = 124;
const LEFT_W = CARD_W - QR_W - PAD - 4;

/** Card `slot` (0…7, left to right then top to bottom) of any page. */
export function cardBox(slot: number): CardBox {
  const col = slot % COLUMNS;
  const row = Math.floor(slot / COLUMNS);
  return { x: MARGIN + col * (CARD_W + GUTTER), y: MARGIN + row * (CARD_H + GUTTER), w: CARD_W, h: CARD_H };
}

type T = (key: string, params?: Record<string, string | number>) => string;

/**
 * Streams printable A4 sheets of 8 vouchers into `out`. The source is pulled one voucher at
 * a time and pdfkit's output buffer is kept small (pipePdf paces it), so 10 000 vouchers take no more
 * memory than 100. Resolves when `out` has finished (or closed early: a client that went
 * away stops the drawing). Rejects on an error of `out` or of the source; on a source error
 * `out` is left open and unended so the caller can destroy it (a truncated PDF must not look
 * complete).
 */
export async function streamVoucherSheets(
  out: NodeJS.WritableStream,
  vouchers: AsyncIterable<SheetVoucher> | Iterable<SheetVoucher>,
  opts: VoucherSheetsOptions,
): Promise<void> {
  const t: T = (key, params) => pdfText(translateForPage(opts.locale, key, params));
  const doc = new PDFDocument({ size: 'A4', autoFirstPage: false, compress: true, info: { Title: pdfText(opts.title ?? t('sheets.doc_title')) } });
  const output = pipePdf(doc, out);
  let count = 0;
  try {
    for await (const v of vouchers) {
      if (output.gone()) break;
      const slot = count % VOUCHERS_PER_PAGE;
      if (slot === 0) startPage(doc, opts, t, count / VOUCHERS_PER_PAGE + 1);
      drawCard(doc, v, cardBox(slot), opts, t);
      count++;
      if (slot === VOUCHERS_PER_PAGE - 1) await output.pace();
    }
    // A document needs at least one page: an empty source gives one blank sheet, not a broken file.
    if (count === 0 && !output.gone()) doc.addPage({ size: 'A4', margin: 0 });
  } catch (err) {
    output.abandon();
    throw err;
  }
  await output.finish();
}

/** New page; its footer (title, order, page number) sits in the bottom margin, clear of the marks. */
function startPage(doc: PDFKit.PDFDocument, opts: VoucherSheetsOptions, t: T, page: number): void {
  doc.addPage({ size: 'A4', margin: 0 });
  const parts = [opts.brand?.name, opts.title, opts.orderReference && t('sheets.order', { reference: opts.orderReference }), t('sheets.page', { page })];
  const text = pdfText(parts.filter(Boolean).join(' — '));
  doc.fillColor(GREY).font('Helvetica').fontSize(7).text(text, MARGIN + MARK_OUTER + 8, A4.h - 16, { width: CARD_W - 2 * MARK_OUTER, height: 9, ellipsis: true, lineBreak: false });
}

function drawCard(doc: PDFKit.PDFDocument, v: SheetVoucher, box: CardBox, opts: VoucherSheetsOptions, t: T): void {
  const { x, y, w, h } = box;
  const line = (text: string, top: number, width: number, lines = 1, size = 9) => doc.text(pdfText(text), x + PAD, y + top, { width, height: lines * size * 1.2, ellipsis: true });
  const brand = opts.brand ?? DEFAULT_PDF_BRAND;
  // The logo, small, before the campaign's name (the QR code's corner is below this line).
  const logoW = drawBrandLogo(doc, brand, x + PAD, y + PAD - 1, 48, 15);
  const nameX = logoW ? logoW + 6 : 0;
  doc.fillColor(brand.primary).font('Helvetica-Bold').fontSize(11);
  doc.text(pdfText(v.campaignName), x + PAD + nameX, y + PAD, { width: w - 2 * PAD - nameX, height: 11 * 1.2, ellipsis: true });
  if (opts.eventLabel) {
    doc.fillColor('#b5441b').font('Helvetica-Bold').fontSize(10);
    line(opts.eventLabel, 26, LEFT_W, 1, 10);
  }

  doc.fillColor(GREY).font('Helvetica').fontSize(8);
  line(t('sheets.value'), 44, LEFT_W, 1, 8);
  drawAmount(doc, pdfText(formatMoney(v.amountCents, opts.locale)), x + PAD, y + 55);
  doc.fillColor(GREY).font('Helvetica').fontSize(8);
  line(t('sheets.expires'), 88, LEFT_W, 1, 8);
  doc.fillColor('#111111').font('Helvetica-Bold').fontSize(10);
  line(formatLongDate(v.expiresAt, opts.locale), 98, LEFT_W, 1, 10);
  let top = 114;
  if (v.recipientName) {
    doc.font('Helvetica').fontSize(9);
    line(t('sheets.recipient', { name: v.recipientName }), top, LEFT_W, 2);
    top = doc.y - y + 2;
  }
  // The message gets whatever room is left above the code line (one or two lines).
  if (v.message && top < 136) {
    doc.fillColor(GREY).font('Helvetica-Oblique').fontSize(8);
    line(`« ${v.message} »`, top, LEFT_W, top < 125 ? 2 : 1, 8);
  }

  drawQr(doc, qrRuns(`${opts.baseUrl}/v/${v.code}`), x + w - QR_W - 4, y + 22, QR_W);
  doc.fillColor('#111111').font('Courier-Bold').fontSize(12).text(v.formatted, x + PAD, y + 149, { width: w - 2 * PAD, align: 'center', lineBreak: false });
  doc.fillColor(GREY).font('Helvetica').fontSize(6.5);
  doc.text(t('sheets.partners', { site: siteName(opts.baseUrl) }), x + PAD, y + h - 21, { width: w - 2 * PAD, height: 16, ellipsis: true, align: 'center' });
  cutMarks(doc, box);
}

/** The amount as big as the left column allows: « 1 500,00 € » must fit as well as « 10,00 € ». */
function drawAmount(doc: PDFKit.PDFDocument, text: string, x: number, y: number): void {
  doc.fillColor('#111111').font('Helvetica-Bold').fontSize(26);
  const size = Math.min(26, (26 * LEFT_W) / doc.widthOfString(text));
  doc.fontSize(size).text(text, x, y + (26 - size) / 2, { lineBreak: false });
}

/** "bons.example.org" for "https://bons.example.org/": what people type from a printed page. */
function siteName(baseUrl: string): string {
  return baseUrl.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

/** Thin marks prolonging each card edge outwards: longer in the page margins, short in the gutters. */
function cutMarks(doc: PDFKit.PDFDocument, { x, y, w, h }: CardBox): void {
  const len = (outer: boolean) => (outer ? MARK_OUTER : MARK_INNER);
  const left = len(x <= MARGIN);
  const right = len(x + w >= A4.w - MARGIN - 0.01);
  const up = len(y <= MARGIN);
  const down = len(y + h >= A4.h - MARGIN - 0.01);
  for (const cy of [y, y + h]) {
    doc.moveTo(x - MARK_GAP, cy).lineTo(x - MARK_GAP - left, cy);
    doc.moveTo(x + w + MARK_GAP, cy).lineTo(x + w + MARK_GAP + right, cy);
  }
  for (const cx of [x, x + w]) {
    doc.moveTo(cx, y - MARK_GAP).lineTo(cx, y - MARK_GAP - up);
    doc.moveTo(cx, y + h + MARK_GAP).lineTo(cx, y + h + MARK_GAP + down);
  }
  doc.lineWidth(0.3).strokeColor('#000000').stroke();
}
