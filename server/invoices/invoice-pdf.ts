import { translate, translateForPage } from '../lib/i18n';
import { formatMoney } from '../lib/money';
import { formatLongDate } from '../lib/dates';
import { formatIban } from '../lib/identifiers';
import { assertInvoiceDocument, documentTotals, type InvoiceDocument, type InvoiceTotals } from './invoice-document';
import { formatRate as rateText, lineDescription as lineText, paymentClauses, sellerLegalMentions } from './invoice-texts';
import { DEFAULT_PDF_BRAND, type PdfBrand } from '../pdf/pdf-brand';
import { A4 } from '../pdf/pdf-output';
import { addressLines, collectPdf, drawBrandHeader, drawLabelRows, drawParty, drawRow as row, drawSellerFooters, drawTableHead as tableHead, newInvoicePdf, newPage, paragraph as para, pdfText, sellerPartyLines, W, X, type Column } from './invoice-page';

/**
 * The human-readable invoice or pro-forma, A4, in French or English, with the mentions
 * French law asks of an invoice between professionals (art. 242 nonies A of annex II to the
 * CGI, art. L. 441-9 of the code de commerce): number, dates, both parties' identities and
 * SIREN/SIRET/VAT numbers, lines with quantity, unit price excl. VAT and VAT rate, totals,
 * due date, late-payment penalties and the 40 € recovery fee, no-discount clause, and the
 * VAT status of multi-purpose vouchers.
 *
 * Every invoice is a PDF/A-3b (archival format; the same file becomes a Factur-X when
 * facturx.ts attaches its XML), drawn with the shared page kit (invoice-page.ts).
 */

const BOTTOM = A4.h - 60;
const COLS: readonly Column[] = [
  { key: 'invoice.col_description', w: 213, align: 'left' },
  { key: 'invoice.col_quantity', w: 36, align: 'right' },
  { key: 'invoice.col_unit_price', w: 76, align: 'right' },
  { key: 'invoice.col_vat_rate', w: 84, align: 'right' },
  { key: 'invoice.col_amount', w: 90, align: 'right' },
];

interface Ctx {
  doc: InvoiceDocument;
  brand: PdfBrand;
  totals: InvoiceTotals;
  locale: string;
  t: (key: string, params?: Record<string, string | number>) => string;
  money: (cents: number) => string;
  date: (ymd: string) => string;
}

function invoiceContext(doc: InvoiceDocument, locale: string, brand: PdfBrand): Ctx {
  return {
    doc,
    brand,
    totals: documentTotals(doc),
    locale,
    t: (key, params) => pdfText(translateForPage(locale, key, params)),
    money: (c) => pdfText(formatMoney(c, locale)),
    // Noon UTC is the same calendar day in Paris; French writes the first of the month « 1er ».
    date: (ymd) => pdfText(formatLongDate(`${ymd}T12:00:00Z`, locale).replace(/^1 /, locale === 'en' ? '1 ' : '1er ')),
  };
}

const formatRate = (bp: number, locale: string) => pdfText(rateText(bp, locale));
const lineDescription = (line: InvoiceDocument['lines'][number], locale: string) => pdfText(lineText(line, locale));

function drawHeader(pdf: PDFKit.PDFDocument, c: Ctx): void {
  const { doc } = c;
  drawBrandHeader(pdf, doc.seller, c.t(doc.proforma ? 'invoice.title_proforma' : 'invoice.title'), doc.proforma ? doc.orderReference : doc.number ?? '', c.brand);
}

function drawMeta(pdf: PDFKit.PDFDocument, c: Ctx, y: number): number {
  const { doc, t } = c;
  const rows: [string, string][] = [];
  if (doc.number) rows.push([t('invoice.number'), doc.number]);
  rows.push([t('invoice.issue_date'), c.date(doc.issueDate)], [t('invoice.due_date'), c.date(doc.dueDate)]);
  rows.push([t('invoice.delivery_date'), c.date(doc.deliveryDate ?? doc.issueDate)], [t('invoice.order_reference'), doc.orderReference]);
  const b = doc.buyer;
  if (b.purchaseOrderReference) rows.push([t(b.kind === 'public' ? 'invoice.commitment_number' : 'invoice.purchase_order'), b.purchaseOrderReference]);
  if (b.kind === 'public' && b.serviceCode) rows.push([t('invoice.service_code'), b.serviceCode]);
  return drawLabelRows(pdf, rows, y, 150) + 8;
}

function drawParties(pdf: PDFKit.PDFDocument, c: Ctx, y: number): number {
  const { seller: s, buyer: b } = c.doc;
  const { t } = c;
  const buyerLines = [b.name, ...addressLines(b.address), `${t('invoice.siret')} ${b.siret}`];
  if (b.vatNumber) buyerLines.push(`${t('invoice.vat_number')} ${b.vatNumber}`);
  // A phone number never breaks across lines.
  const contact = [b.contact?.name, b.contact?.email, b.contact?.phone?.replace(/ /g, '\u00a0')].filter(Boolean).join(' · ');
  if (contact) buyerLines.push(t('invoice.contact_line', { contact }));
  const left = drawParty(pdf, X, y, t('invoice.seller'), sellerPartyLines(s, t), c.brand.primary);
  const right = drawParty(pdf, X + W / 2 + 12, y, t('invoice.buyer'), buyerLines, c.brand.primary);
  return Math.max(left, right) + 14;
}

const drawRow = (pdf: PDFKit.PDFDocument, cells: string[], y: number, bold: boolean) => row(pdf, COLS, cells, y, bold);
const drawTableHead = (pdf: PDFKit.PDFDocument, c: Ctx, y: number) => tableHead(pdf, COLS, c.t, y);
const paragraph = (pdf: PDFKit.PDFDocument, text: string, y: number, size?: number, color?: string) => para(pdf, text, y, BOTTOM, size, color);

function drawLines(pdf: PDFKit.PDFDocument, c: Ctx, y: number): number {
  y = drawTableHead(pdf, c, y);
  c.doc.lines.forEach((line, i) => {
    const a = c.totals.lines[i]!;
    const cells = [lineDescription(line, c.locale), String(a.quantity), c.money(a.unitCents), a.rateBp === null ? c.t('invoice.out_of_scope_short') : formatRate(a.rateBp, c.locale), c.money(a.netCents)];
    const height = pdf.font('Regular').fontSize(9).heightOfString(cells[0]!, { width: COLS[0]!.w - 8 });
    if (y + height > BOTTOM - 20) y = drawTableHead(pdf, c, newPage(pdf));
    y = drawRow(pdf, cells, y, false);
    pdf.moveTo(X, y - 2).lineTo(X + W, y - 2).lineWidth(0.5).strokeColor('#cccccc').stroke();
  });
  return y + 8;
}

function drawTotals(pdf: PDFKit.PDFDocument, c: Ctx, y: number): number {
  const { totals, t } = c;
  const rows: [string, string, boolean][] = [[t('invoice.total_net'), c.money(totals.netCents), false]];
  for (const g of totals.vat) {
    if (g.rateBp === null) rows.push([t('invoice.out_of_scope_group'), c.money(g.baseCents), false]);
    else rows.push([t('invoice.vat_group', { rate: formatRate(g.rateBp, c.locale), base: c.money(g.baseCents) }), c.money(g.vatCents), false]);
  }
  rows.push([t('invoice.total_vat'), c.money(totals.vatCents), false], [t('invoice.total_gross'), c.money(totals.grossCents), true]);
  // BT-113 as a deduction, so the column adds up: total − already paid = what is left to pay.
  if (totals.paidCents > 0) rows.push([t('invoice.already_paid'), c.money(-totals.paidCents), false]);
  rows.push([t('invoice.amount_due'), c.money(totals.dueCents), true]);
  if (y + rows.length * 16 > BOTTOM) y = newPage(pdf);
  const x = X + W - 280;
  for (const [label, value, strong] of rows) {
    pdf.fillColor('#111111').font(strong ? 'Bold' : 'Regular').fontSize(strong ? 10.5 : 9.5);
    pdf.text(label, x, y, { width: 180 });
    pdf.text(value, x + 180, y, { width: 100, align: 'right' });
    y += 15;
  }
  return y + 4;
}

function drawPayment(pdf: PDFKit.PDFDocument, c: Ctx, y: number): number {
  const { doc, t } = c;
  if (y + 110 > BOTTOM) y = newPage(pdf);
  pdf.fillColor(c.brand.primary).font('Bold').fontSize(10).text(t('invoice.payment_title').toUpperCase(), X, y, { width: W });
  y = pdf.y + 4;
  const terms = doc.paymentTerms ? pdfText(doc.paymentTerms) : doc.paidDate ? t('invoice.paid_on', { date: c.date(doc.paidDate) }) : t('invoice.payment_terms', { date: c.date(doc.dueDate) });
  y = paragraph(pdf, terms, y, 9.5, '#111111');
  const rows: [string, string][] = [[t('invoice.account_holder'), doc.seller.legalName], [t('invoice.iban'), formatIban(doc.seller.iban)], [t('invoice.bic'), doc.seller.bic], [t('invoice.transfer_reference'), doc.transferReference]];
  return drawLabelRows(pdf, rows, y, 190) + 6;
}

function drawLegal(pdf: PDFKit.PDFDocument, c: Ctx, y: number): number {
  const { doc } = c;
  if (doc.lines.some((l) => l.kind === 'voucher')) y = paragraph(pdf, c.t('invoice.voucher_vat_mention'), y);
  if (doc.proforma) return paragraph(pdf, c.t('invoice.proforma_notice'), y + 4, 9.5, '#b00020');
  const clauses = paymentClauses(doc, c.locale);
  for (const text of [clauses.penalties, clauses.recoveryFee, clauses.discount]) y = paragraph(pdf, pdfText(text), y);
  return y;
}

/** Extra steps before the file is closed: facturx.ts attaches the XML and adds its metadata. */
export type PdfFinisher = (pdf: PDFKit.PDFDocument) => void;

function newPdf(doc: InvoiceDocument, locale: string): PDFKit.PDFDocument {
  const title = doc.proforma ? translate(locale, 'invoice.meta_title_proforma', { reference: doc.orderReference }) : translate(locale, 'invoice.meta_title', { number: doc.number ?? '' });
  return newInvoicePdf({ locale, title, author: doc.seller.legalName });
}

/** Draws the whole document (checked first); `finish` runs last, before the file is closed. */
export async function drawInvoice(doc: InvoiceDocument, locale: string, finish?: PdfFinisher, brand: PdfBrand = DEFAULT_PDF_BRAND): Promise<Buffer> {
  assertInvoiceDocument(doc);
  const c = invoiceContext(doc, locale, brand);
  const pdf = newPdf(doc, locale);
  const done = collectPdf(pdf);
  newPage(pdf);
  drawHeader(pdf, c);
  let y = drawParties(pdf, c, drawMeta(pdf, c, 118));
  y = drawTotals(pdf, c, drawLines(pdf, c, y));
  drawLegal(pdf, c, drawPayment(pdf, c, y));
  drawSellerFooters(pdf, doc.seller, sellerLegalMentions(doc.seller, locale), c.t);
  finish?.(pdf);
  pdf.end();
  return done;
}

/** The invoice or pro-forma as a PDF/A-3b file, in 'fr' or 'en', drawn with the operator's brand. */
export function renderInvoicePdf(doc: InvoiceDocument, locale: string, brand: PdfBrand = DEFAULT_PDF_BRAND): Promise<Buffer> {
  return drawInvoice(doc, locale, undefined, brand);
}
