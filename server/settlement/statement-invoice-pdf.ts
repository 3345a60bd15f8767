import type { Seller } from '../invoices/invoice-document';
import { DEFAULT_PDF_BRAND, type PdfBrand } from '../pdf/pdf-brand';
import { collectPdf, drawBrandHeader, drawLabelRows, drawParty, drawRow as row, drawSellerFooters, drawTableHead as tableHead, newInvoicePdf, newPage, paragraph as para, pdfText, sellerPartyLines, W, X, type Column } from '../invoices/invoice-page';
import { formatRate, sellerLegalMentions } from '../invoices/invoice-texts';
import { formatLongDate } from '../lib/dates';
import { translate, translateForPage } from '../lib/i18n';
import { formatMoney } from '../lib/money';
import { A4 } from '../pdf/pdf-output';
import { calendarNoon, type StatementDocument } from './statement-data';

/**
 * The commission invoice of a statement: the operator (seller) invoices the shop (buyer)
 * for its commission on the vouchers redeemed, one line per campaign, VAT at the stored
 * rate. Number `statement.invoiceNumber` (FAC-…, numbered with the other invoices when the
 * batch was created), dated the statement's day. The amount was already taken from the
 * payout, so the invoice says it is paid by deduction from the statement.
 *
 * Amounts are the stored per-campaign ones (the settlement's rounding unit), never
 * recomputed: the invoice always equals what was deducted. The layout and legal mentions
 * follow server/invoices/invoice-pdf.ts: same page kit (invoice-page.ts: PDF/A-3b, embedded
 * font, rows, footers) and texts; the totals differ (nothing is due). The buyer is named
 * with its SIRET as copied onto the statement when it was made (the invoice as issued);
 * only a shop registered before SIRETs were asked for may have none.
 */

export interface StatementInvoiceDeps {
  operator: Seller;
  /** The operator's brand (loadPdfBrand); the default when absent. */
  brand?: PdfBrand;
}

const BOTTOM = A4.h - 70;
/** Late-payment rate for companies: ECB + 10 points, as the order invoices say to companies. */
const LATE_PENALTY_POINTS = 10;
const COLS: readonly Column[] = [
  { key: 'invoice.col_description', w: 219, align: 'left' },
  { key: 'statements.invoice_col_net', w: 70, align: 'right' },
  { key: 'invoice.col_vat_rate', w: 50, align: 'right' },
  { key: 'statements.invoice_col_vat', w: 70, align: 'right' },
  { key: 'statements.invoice_col_gross', w: 90, align: 'right' },
];

interface Ctx {
  d: StatementDocument;
  seller: Seller;
  brand: PdfBrand;
  locale: string;
  t: (key: string, params?: Record<string, string | number>) => string;
  money: (cents: number) => string;
  date: (iso: string) => string;
}

function drawHeaderAndParties(pdf: PDFKit.PDFDocument, c: Ctx): number {
  const { seller: s, d } = c;
  drawBrandHeader(pdf, s, c.t('invoice.title'), d.statement.invoiceNumber, c.brand);
  const meta: [string, string][] = [
    [c.t('invoice.number'), d.statement.invoiceNumber],
    [c.t('invoice.issue_date'), c.date(d.statement.createdAt)],
    [c.t('statements.invoice_service'), c.t('statements.period_until', { date: c.date(calendarNoon(d.batch.until)) })],
    [c.t('statements.reference'), `${d.statement.reference} (${d.batch.reference})`],
  ];
  const y = drawLabelRows(pdf, meta, 118, 150) + 8;
  const shop = d.shop;
  const buyerLines = [shop.name, shop.address, `${shop.postalCode} ${shop.city}`, ...(shop.siret ? [`${c.t('invoice.siret')} ${shop.siret}`] : [])];
  return Math.max(drawParty(pdf, X, y, c.t('invoice.seller'), sellerPartyLines(s, c.t), c.brand.primary), drawParty(pdf, X + W / 2 + 12, y, c.t('invoice.buyer'), buyerLines, c.brand.primary)) + 14;
}

const drawRow = (pdf: PDFKit.PDFDocument, cells: string[], y: number, bold: boolean) => row(pdf, COLS, cells, y, bold);
const drawTableHead = (pdf: PDFKit.PDFDocument, c: Ctx, y: number) => tableHead(pdf, COLS, c.t, y);
const paragraph = (pdf: PDFKit.PDFDocument, text: string, y: number, size?: number, color?: string) => para(pdf, text, y, BOTTOM, size, color);

function drawLines(pdf: PDFKit.PDFDocument, c: Ctx, y: number): number {
  y = drawTableHead(pdf, c, y);
  // A statement may carry only an expired vouchers' share: its invoice number exists all the same (no gaps).
  if (c.d.campaigns.length === 0) {
    pdf.fillColor('#555555').font('Regular').fontSize(9).text(c.t('statements.invoice_no_commission'), X + 4, y, { width: W - 8 });
    y = pdf.y + 5;
  }
  for (const k of c.d.campaigns) {
    const description = c.t('statements.invoice_line', { campaign: k.name, rate: pdfText(formatRate(k.commissionBps, c.locale)) });
    const detail = c.t('statements.invoice_line_detail', { count: k.redemptionCount, gross: c.money(k.grossCents) });
    const height = pdf.font('Regular').fontSize(9).heightOfString(`${description}\n${detail}`, { width: COLS[0]!.w - 8 });
    if (y + height > BOTTOM - 20) y = drawTableHead(pdf, c, newPage(pdf));
    const bottom = drawRow(pdf, [description, c.money(k.commissionCents), pdfText(formatRate(k.vatBps, c.locale)), c.money(k.vatCents), c.money(k.commissionCents + k.vatCents)], y, false);
    pdf.fillColor('#555555').font('Regular').fontSize(8).text(detail, X + 4, bottom - 3, { width: COLS[0]!.w - 8 });
    y = pdf.y + 5;
    pdf.moveTo(X, y - 2).lineTo(X + W, y - 2).lineWidth(0.5).strokeColor('#cccccc').stroke();
  }
  return y + 8;
}

function drawTotals(pdf: PDFKit.PDFDocument, c: Ctx, y: number): number {
  const s = c.d.statement;
  // VAT per rate, summed from the stored per-campaign amounts (what was deducted).
  const groups = new Map<number, { base: number; vat: number }>();
  for (const k of c.d.campaigns) {
    const g = groups.get(k.vatBps) ?? { base: 0, vat: 0 };
    g.base += k.commissionCents;
    g.vat += k.vatCents;
    groups.set(k.vatBps, g);
  }
  const total = s.commissionCents + s.vatCents;
  const rows: [string, string, boolean][] = [[c.t('invoice.total_net'), c.money(s.commissionCents), false]];
  for (const [bp, g] of [...groups].sort((a, b) => a[0] - b[0])) rows.push([c.t('invoice.vat_group', { rate: pdfText(formatRate(bp, c.locale)), base: c.money(g.base) }), c.money(g.vat), false]);
  rows.push([c.t('invoice.total_vat'), c.money(s.vatCents), false], [c.t('invoice.total_gross'), c.money(total), true]);
  rows.push([c.t('statements.invoice_deducted_row', { reference: s.reference }), c.money(-total), false], [c.t('invoice.amount_due'), c.money(0), true]);
  if (y + rows.length * 16 > BOTTOM) y = newPage(pdf);
  const x = X + W - 300;
  for (const [label, value, strong] of rows) {
    pdf.fillColor('#111111').font(strong ? 'Bold' : 'Regular').fontSize(strong ? 10.5 : 9.5);
    pdf.text(label, x, y, { width: 200 });
    const next = pdf.y;
    pdf.text(value, x + 200, y, { width: 100, align: 'right' });
    y = Math.max(next, y + 15);
  }
  return y + 8;
}

/** The invoice as a PDF/A-3b file (archival, like the order invoices). */
export async function renderStatementInvoicePdf(deps: StatementInvoiceDeps, d: StatementDocument, locale = 'fr'): Promise<Buffer> {
  const s = d.statement;
  const lineSum = d.campaigns.reduce((a, k) => ({ commission: a.commission + k.commissionCents, vat: a.vat + k.vatCents }), { commission: 0, vat: 0 });
  if (lineSum.commission !== s.commissionCents || lineSum.vat !== s.vatCents) throw new Error(`statement ${s.reference}: campaign rows do not add up to the invoice totals`);
  const c: Ctx = {
    d, seller: deps.operator, brand: deps.brand ?? DEFAULT_PDF_BRAND, locale,
    t: (key, params) => pdfText(translateForPage(locale, key, params)),
    money: (cents) => pdfText(formatMoney(cents, locale)),
    date: (iso) => pdfText(formatLongDate(iso, locale)),
  };
  const pdf = newInvoicePdf({ locale, title: translate(locale, 'invoice.meta_title', { number: s.invoiceNumber }), author: deps.operator.legalName });
  const done = collectPdf(pdf);
  newPage(pdf);
  let y = drawTotals(pdf, c, drawLines(pdf, c, drawHeaderAndParties(pdf, c)));
  y = paragraph(pdf, c.t('statements.invoice_paid', { date: c.date(s.createdAt), reference: s.reference, batch: d.batch.reference }), y, 9.5, '#111111');
  for (const key of ['invoice.late_interest_company', 'invoice.recovery_fee_company', 'invoice.no_discount']) y = paragraph(pdf, c.t(key, { points: LATE_PENALTY_POINTS }), y);
  drawSellerFooters(pdf, c.seller, sellerLegalMentions(c.seller, locale), c.t);
  pdf.end();
  return done;
}

/** Writes the invoice into `out` and ends it (a small document: drawn whole, then sent). */
export async function streamStatementInvoicePdf(deps: StatementInvoiceDeps, d: StatementDocument, out: NodeJS.WritableStream, locale = 'fr'): Promise<void> {
  const pdf = await renderStatementInvoicePdf(deps, d, locale);
  await new Promise<void>((resolve, reject) => {
    // 'close' too: a consumer that went away never finishes.
    out.once('error', reject);
    out.once('close', resolve);
    out.once('finish', resolve);
    out.end(pdf);
  });
}
