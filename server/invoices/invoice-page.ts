import PDFDocument from 'pdfkit';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DEFAULT_PDF_BRAND, type PdfBrand } from '../pdf/pdf-brand';
import { drawBrandLogo } from '../pdf/pdf-brand-draw';
import { A4 } from '../pdf/pdf-output';
import type { PostalAddress, Seller } from './invoice-document';

/**
 * The page kit every invoice shares (order invoices and pro-formas, shops' commission
 * invoices): A4 geometry, the brand, the embedded Open Sans (PDF/A forbids non-embedded
 * fonts, so not the standard Helvetica), the PDF/A-3b document, the table rows, paragraphs
 * that break pages, and the seller's legal footer on every page.
 */
export const X = 48;
export const W = A4.w - 2 * X;
export const TOP = 60;

export interface Column {
  key: string;
  w: number;
  align: 'left' | 'right';
}

const require = createRequire(import.meta.url);
let fonts: { regular: Buffer; bold: Buffer } | undefined;
function loadFonts() {
  const file = (weight: string) => readFileSync(require.resolve(`@expo-google-fonts/open-sans/${weight}/OpenSans_${weight}.ttf`));
  fonts ??= { regular: file('400Regular'), bold: file('700Bold') };
  return fonts;
}

/** Open Sans has no narrow no-break space (Intl puts one in French amounts): use a no-break space. */
export const pdfText = (s: string) => s.replace(/\u202f/g, '\u00a0');
/** pdfkit copies Info strings into the XMP packet unescaped: keep XML's special characters out. */
const metaText = (s: string) => s.replace(/&/g, '+').replace(/[<>]/g, ' ');

/** A PDF/A-3b document with the fonts registered as 'Regular' and 'Bold'; pages are buffered for the footers. */
export function newInvoicePdf(opts: { locale: string; title: string; author: string }): PDFKit.PDFDocument {
  const { regular, bold } = loadFonts();
  const pdf = new PDFDocument({
    size: 'A4', margin: 0, autoFirstPage: false, bufferPages: true, compress: true,
    // The default font too must be embeddable: pdfkit accepts font data there (its types say a name).
    pdfVersion: '1.7', subset: 'PDF/A-3b', lang: opts.locale === 'en' ? 'en-GB' : 'fr-FR', font: regular as unknown as string,
    info: { Title: metaText(opts.title), Author: metaText(opts.author), Subject: metaText(opts.title), Creator: 'bons-locaux', Producer: 'bons-locaux (PDFKit)' },
  });
  pdf.registerFont('Regular', regular);
  pdf.registerFont('Bold', bold);
  return pdf;
}

/** The whole file once `pdf.end()` is called. */
export function collectPdf(pdf: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (b: Buffer) => chunks.push(b));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
}

export function newPage(pdf: PDFKit.PDFDocument): number {
  pdf.addPage({ size: 'A4', margin: 0 });
  return TOP;
}

/** One table row, each cell wrapped in its column; returns the y below the tallest cell. */
export function drawRow(pdf: PDFKit.PDFDocument, cols: readonly Column[], cells: string[], y: number, bold: boolean): number {
  pdf.font(bold ? 'Bold' : 'Regular').fontSize(9).fillColor('#111111');
  let x = X;
  let bottom = y;
  cols.forEach((col, i) => {
    pdf.text(cells[i] ?? '', x + 4, y, { width: col.w - 8, align: col.align });
    bottom = Math.max(bottom, pdf.y);
    x += col.w;
  });
  return bottom + 5;
}

export function drawTableHead(pdf: PDFKit.PDFDocument, cols: readonly Column[], t: (key: string) => string, y: number): number {
  pdf.rect(X, y - 4, W, 20).fill('#e8eef5');
  return drawRow(pdf, cols, cols.map((col) => t(col.key)), y + 1, true) + 2;
}

/**
 * The brand band across the top in the operator's primary colour: its logo (on a white
 * plate), the seller's trading name and the scheme's name on the left, the title and
 * reference on the right. The logo is an image XObject, which PDF/A-3 allows (with its
 * alpha channel as a soft mask); the names use the embedded fonts.
 */
export function drawBrandHeader(pdf: PDFKit.PDFDocument, seller: Seller, title: string, reference: string, brand: PdfBrand = DEFAULT_PDF_BRAND): void {
  pdf.rect(0, 0, A4.w, 96).fill(brand.primary);
  const logoW = drawBrandLogo(pdf, brand, X, 18, 100, 60, true);
  const nameX = X + (logoW ? logoW + 12 : 0);
  const nameW = W / 2 - (nameX - X);
  pdf.fillColor('#ffffff').font('Bold').fontSize(15).text(pdfText(seller.tradingName ?? seller.legalName), nameX, brand.name ? 24 : 30, { width: nameW, height: 40, ellipsis: true });
  if (brand.name) pdf.font('Regular').fontSize(10).text(pdfText(brand.name), nameX, pdf.y + 2, { width: nameW, height: 26, ellipsis: true });
  pdf.font('Bold');
  pdf.fontSize(20).text(title.toUpperCase(), X + W / 2, 26, { width: W / 2, align: 'right' });
  pdf.font('Regular').fontSize(11).text(pdfText(reference), X + W / 2, 54, { width: W / 2, align: 'right' });
}

/** Grey labels in a column of `labelWidth`, bold values after it; returns the y below the last row. */
export function drawLabelRows(pdf: PDFKit.PDFDocument, rows: readonly [string, string][], y: number, labelWidth: number): number {
  for (const [label, value] of rows) {
    pdf.fillColor('#555555').font('Regular').fontSize(9).text(label, X, y, { width: labelWidth });
    pdf.fillColor('#111111').font('Bold').text(pdfText(value), X + labelWidth, y, { width: W - labelWidth });
    y += 13;
  }
  return y;
}

/** Street lines, postcode and city; the country only when it is not France. */
export function addressLines(a: PostalAddress): string[] {
  return [...a.lines, `${a.postcode} ${a.city}`, ...(a.countryCode === 'FR' ? [] : [a.countryCode])];
}

/** The seller's block: name, address, SIRET, VAT number, then phone and email when known. */
export function sellerPartyLines(s: Seller, t: (key: string) => string): string[] {
  const lines = [s.legalName, ...addressLines(s.address), `${t('invoice.siret')} ${s.siret}`, `${t('invoice.vat_number')} ${s.vatNumber}`];
  // A phone number never breaks across lines.
  if (s.phone) lines.push(`${t('invoice.phone')} ${s.phone.replace(/ /g, '\u00a0')}`);
  if (s.email) lines.push(`${t('invoice.email')} ${s.email}`);
  return lines;
}

/** One party in half the page width: title, name in bold, then its other lines; returns the y below it. */
export function drawParty(pdf: PDFKit.PDFDocument, x: number, y: number, title: string, lines: string[], colour = DEFAULT_PDF_BRAND.primary): number {
  const w = W / 2 - 12;
  pdf.fillColor(colour).font('Bold').fontSize(9).text(title.toUpperCase(), x, y, { width: w });
  pdf.fillColor('#111111').fontSize(10).text(pdfText(lines[0] ?? ''), x, y + 14, { width: w });
  pdf.font('Regular').fontSize(9).text(lines.slice(1).map(pdfText).join('\n'), x, pdf.y + 2, { width: w, lineGap: 1 });
  return pdf.y;
}

/** A paragraph across the page width, on a new page when it would pass `bottom`. */
export function paragraph(pdf: PDFKit.PDFDocument, text: string, y: number, bottom: number, size = 8.5, color = '#333333'): number {
  const height = pdf.font('Regular').fontSize(size).heightOfString(text, { width: W, lineGap: 1 });
  if (y + height > bottom) y = newPage(pdf);
  pdf.fillColor(color).text(text, X, y, { width: W, lineGap: 1 });
  return pdf.y + 3;
}

/**
 * The seller's identity and page numbers at the foot of every buffered page. The RCS
 * mention is « RCS <city> <SIREN> »; without one, the SIREN stands alone.
 */
export function drawSellerFooters(pdf: PDFKit.PDFDocument, seller: Seller, mentions: string[], t: (key: string, params?: Record<string, string | number>) => string): void {
  const siren = seller.rcs ? [] : [`${t('invoice.siren')} ${seller.siren}`];
  const footer = pdfText([seller.legalName, ...mentions, ...siren, `${t('invoice.vat_number')} ${seller.vatNumber}`].join(' – '));
  const range = pdf.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    pdf.switchToPage(i);
    pdf.fillColor('#666666').font('Regular').fontSize(7).text(footer, X, A4.h - 46, { width: W, align: 'center', lineBreak: true });
    pdf.text(t('invoice.page', { page: i + 1, pages: range.count }), X, A4.h - 26, { width: W, align: 'right' });
  }
}
