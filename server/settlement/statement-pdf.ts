import PDFDocument from 'pdfkit';
import type { Seller } from '../invoices/invoice-document';
import { formatRate } from '../invoices/invoice-texts';
import { formatLongDate, formatLongStamp } from '../lib/dates';
import { translate, translateForPage } from '../lib/i18n';
import { formatMoney } from '../lib/money';
import { DEFAULT_PDF_BRAND, type PdfBrand } from '../pdf/pdf-brand';
import { drawBrandLogo } from '../pdf/pdf-brand-draw';
import { A4, fitText, pipePdf, winAnsi } from '../pdf/pdf-output';
import { calendarNoon, methodText, statusText, type SplitLine, type StatementDocument } from './statement-data';
import { maskCode } from '../lib/codes';
import { parisDateTime } from '../lib/paris-time';

/**
 * The statement as an A4 PDF, streamed: operator and shop, references, period, payment
 * route, the per-campaign summary with totals, then every redemption with its commission
 * and VAT share (as the CSV), page after page with the table head repeated.
 *
 * Memory stays flat for 50 000 lines: redemptions are read page by page, pdfkit writes each
 * page out when the next one starts (no `bufferPages`), and drawing waits for a slow reader
 * (pdf-output.ts). « Page n / N » without buffering: every row has a fixed height (long
 * texts are shortened, never wrapped), so N follows from the line count and from where the
 * line table starts, found by a dry run of the first pages on a throwaway document.
 * PDF standard fonts (Helvetica, WinAnsi) keep 800 pages fast and small.
 */

export interface StatementPdfDeps {
  /** The statement's split lines, read on the app's backend (statement-documents.ts). */
  lines: Iterable<SplitLine> | AsyncIterable<SplitLine>;
  /** The operator's identity (`ctx.config.operator`). */
  operator: Seller;
  /** The operator's brand (loadPdfBrand): band colour, logo, scheme name; the default when absent. */
  brand?: PdfBrand;
}

const X = 40;
const W = 515;
const TOP = 48;
const BOTTOM = 792;
const PAD = 3;
const HEAD_H = 16;
const ROW_H = 12;
const SUMMARY_ROW_H = 14;

type Align = 'left' | 'right';
interface Col { key: string; w: number; align: Align }
const LINE_COLS: Col[] = [
  { key: 'number', w: 40, align: 'left' }, { key: 'datetime', w: 80, align: 'left' }, { key: 'voucher', w: 50, align: 'left' }, { key: 'campaign', w: 107, align: 'left' },
  { key: 'gross', w: 56, align: 'right' }, { key: 'commission', w: 66, align: 'right' }, { key: 'vat', w: 52, align: 'right' }, { key: 'net', w: 64, align: 'right' },
];
const SUMMARY_COLS: Col[] = [
  { key: 'campaign', w: 165, align: 'left' }, { key: 'count', w: 50, align: 'right' }, { key: 'gross', w: 65, align: 'right' }, { key: 'rate', w: 45, align: 'right' },
  { key: 'commission', w: 65, align: 'right' }, { key: 'vat', w: 55, align: 'right' }, { key: 'net', w: 70, align: 'right' },
];

interface Ctx {
  d: StatementDocument;
  operator: Seller;
  brand: PdfBrand;
  locale: string;
  t: (key: string, params?: Record<string, string | number>) => string;
  money: (cents: number) => string;
  date: (iso: string) => string;
}

/** Page cursor; `footer` draws the page number as each page starts (nothing is buffered). */
class Flow {
  page = 0;
  y = TOP;
  constructor(readonly pdf: PDFKit.PDFDocument, private readonly footer: (page: number) => void) {}
  newPage(): void {
    this.pdf.addPage({ size: 'A4', margin: 0 });
    this.page++;
    this.y = TOP;
    this.footer(this.page);
  }
  room(h: number): void {
    if (this.y + h > BOTTOM) this.newPage();
  }
}

/** One table row of single-line cells; measures each text once (this runs 400 000 times for 50 000 lines). */
function drawCells(pdf: PDFKit.PDFDocument, cols: Col[], cells: string[], y: number): void {
  let x = X;
  cols.forEach((col, i) => {
    let text = cells[i] ?? '';
    let width = pdf.widthOfString(text);
    if (width > col.w - 2 * PAD) {
      text = fitText(pdf, text, col.w - 2 * PAD);
      width = pdf.widthOfString(text);
    }
    pdf.text(text, col.align === 'right' ? x + col.w - PAD - width : x + PAD, y, { lineBreak: false });
    x += col.w;
  });
}

function tableHead(f: Flow, c: Ctx, cols: Col[]): void {
  f.pdf.rect(X, f.y, W, HEAD_H).fill('#e8eef5');
  f.pdf.fillColor('#111111').font('Helvetica-Bold').fontSize(7);
  drawCells(f.pdf, cols, cols.map((col) => c.t(`statements.col_${col.key}`)), f.y + 5);
  f.y += HEAD_H;
}

function party(pdf: PDFKit.PDFDocument, colour: string, x: number, y: number, title: string, lines: string[]): number {
  const w = W / 2 - 10;
  pdf.fillColor(colour).font('Helvetica-Bold').fontSize(8).text(fitText(pdf, title.toUpperCase(), w), x, y, { lineBreak: false });
  pdf.fillColor('#111111').fontSize(10).text(fitText(pdf, lines[0] ?? '', w), x, y + 13, { lineBreak: false });
  pdf.font('Helvetica').fontSize(8.5);
  lines.slice(1).forEach((l, i) => pdf.text(fitText(pdf, l, w), x, y + 28 + i * 11, { lineBreak: false }));
  return y + 28 + (lines.length - 1) * 11;
}

/** Everything before the line table; the same code measures (dry run) and draws. */
function drawFront(f: Flow, c: Ctx): void {
  const { pdf } = f;
  const { statement: s, batch, shop } = c.d;
  const op = c.operator;
  f.newPage();
  // The brand band: logo on its white plate, the operator's name and the scheme's under it.
  pdf.rect(0, 0, A4.w, 84).fill(c.brand.primary);
  const logoW = drawBrandLogo(pdf, c.brand, X, 14, 90, 56, true);
  const nameX = X + (logoW ? logoW + 12 : 0);
  pdf.fillColor('#ffffff').font('Helvetica-Bold').fontSize(14).text(fitText(pdf, winAnsi(op.tradingName ?? op.legalName), W / 2 - (nameX - X)), nameX, c.brand.name ? 24 : 28, { lineBreak: false });
  if (c.brand.name) pdf.font('Helvetica').fontSize(10).text(fitText(pdf, winAnsi(c.brand.name), W / 2 - (nameX - X)), nameX, 44, { lineBreak: false });
  pdf.font('Helvetica-Bold');
  const title = c.t('statements.pdf_title').toUpperCase();
  pdf.fontSize(16).text(title, X + W - pdf.widthOfString(title), 24, { lineBreak: false });
  pdf.font('Helvetica').fontSize(11).text(s.reference, X + W - pdf.widthOfString(s.reference), 48, { lineBreak: false });

  const opLines = [op.legalName, ...op.address.lines, `${op.address.postcode} ${op.address.city}`, `${c.t('invoice.siret')} ${op.siret}`, `${c.t('invoice.vat_number')} ${op.vatNumber}`];
  const shopLines = [shop.name, shop.address, `${shop.postalCode} ${shop.city}`, ...(shop.siret ? [`${c.t('invoice.siret')} ${shop.siret}`] : [])];
  f.y = Math.max(party(pdf, c.brand.primary, X, 104, c.t('statements.pdf_issuer'), opLines.map(winAnsi)), party(pdf, c.brand.primary, X + W / 2 + 10, 104, c.t('statements.pdf_shop'), shopLines.map(winAnsi))) + 14;

  const meta: [string, string][] = [
    [c.t('statements.reference'), s.reference],
    [c.t('statements.batch'), batch.reference],
    [c.t('statements.period'), c.t('statements.period_until', { date: c.date(calendarNoon(batch.until)) })],
    [c.t('statements.cutoff'), formatLongStamp(batch.cutoffAt, c.locale)],
    [c.t('statements.issued'), c.date(s.createdAt)],
    [c.t('statements.method'), winAnsi(methodText(s, c.locale))],
    [c.t('statements.status'), statusText(s, c.locale, c.date)],
    [c.t('statements.invoice'), s.invoiceNumber],
  ];
  for (const [label, value] of meta) {
    pdf.fillColor('#555555').font('Helvetica').fontSize(8.5).text(label, X, f.y, { lineBreak: false });
    pdf.fillColor('#111111').font('Helvetica-Bold').text(fitText(pdf, winAnsi(value), W - 150), X + 150, f.y, { lineBreak: false });
    f.y += 13;
  }

  f.y += 10;
  sectionTitle(f, c, c.t('statements.summary_title'), HEAD_H + 2 * SUMMARY_ROW_H);
  tableHead(f, c, SUMMARY_COLS);
  const summaryRow = (cells: string[], bold: boolean) => {
    f.room(SUMMARY_ROW_H);
    pdf.fillColor('#111111').font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8);
    drawCells(pdf, SUMMARY_COLS, cells, f.y + 4);
    f.y += SUMMARY_ROW_H;
  };
  for (const k of c.d.campaigns) {
    summaryRow([winAnsi(k.name), String(k.redemptionCount), c.money(k.grossCents), winAnsi(formatRate(k.commissionBps, c.locale)), c.money(k.commissionCents), c.money(k.vatCents), c.money(k.netCents)], false);
  }
  if (s.breakageCents) summaryRow([c.t('statements.breakage_row'), '', '', '', '', '', c.money(s.breakageCents)], false);
  pdf.moveTo(X, f.y + 1).lineTo(X + W, f.y + 1).lineWidth(0.5).strokeColor('#999999').stroke();
  summaryRow([c.t('statements.total'), String(s.redemptionCount), c.money(s.grossCents), '', c.money(s.commissionCents), c.money(s.vatCents), c.money(s.netCents)], true);

  f.y += 8;
  f.room(20);
  const net = c.t('statements.net_paid', { amount: c.money(s.netCents) });
  pdf.fillColor(c.brand.primary).font('Helvetica-Bold').fontSize(11).text(net, X + W - pdf.widthOfString(net), f.y, { lineBreak: false });
  f.y += 28;
  // The line table starts where at least three rows fit under its title and head.
  sectionTitle(f, c, c.t('statements.lines_title'), HEAD_H + 3 * ROW_H);
  f.y = Math.ceil(f.y);
  tableHead(f, c, LINE_COLS);
}

function sectionTitle(f: Flow, c: Ctx, text: string, keepWith: number): void {
  f.room(18 + keepWith);
  f.pdf.fillColor(c.brand.primary).font('Helvetica-Bold').fontSize(10).text(text, X, f.y, { lineBreak: false });
  f.y += 18;
}

const rowsFrom = (y: number) => Math.floor((BOTTOM - y) / ROW_H);

function newDocument(c: Ctx): PDFKit.PDFDocument {
  const title = winAnsi(translate(c.locale, 'statements.pdf_meta_title', { reference: c.d.statement.reference }));
  return new PDFDocument({ size: 'A4', margin: 0, autoFirstPage: false, compress: true, info: { Title: title, Author: winAnsi(c.operator.legalName), Creator: 'bons-locaux' } });
}

/**
 * Streams the statement PDF into `out` (a response, a file). Resolves when `out` has it
 * all, or when `out` went away. Throws on an error of `out` or of the data — including
 * lines that do not add up to the stored totals — leaving `out` unended for the caller to
 * destroy.
 */
export async function streamStatementPdf(deps: StatementPdfDeps, d: StatementDocument, out: NodeJS.WritableStream, locale = 'fr'): Promise<void> {
  const c: Ctx = {
    d, operator: deps.operator, brand: deps.brand ?? DEFAULT_PDF_BRAND, locale,
    t: (key, params) => winAnsi(translateForPage(locale, key, params)),
    money: (cents) => winAnsi(formatMoney(cents, locale)),
    date: (iso) => winAnsi(formatLongDate(iso, locale)),
  };
  // Dry run: where does the line table start? Nothing of it is kept.
  const dry = new Flow(newDocument(c), () => {});
  drawFront(dry, c);
  dry.pdf.destroy();
  const rows = d.statement.redemptionCount + (d.statement.breakageCents ? 1 : 0) + 1; // + breakage and total rows
  const first = rowsFrom(dry.y);
  const pages = dry.page + (rows > first ? Math.ceil((rows - first) / rowsFrom(TOP + HEAD_H)) : 0);

  const pdf = newDocument(c);
  const output = pipePdf(pdf, out);
  const footerText = winAnsi(`${deps.operator.tradingName ?? deps.operator.legalName} — ${d.shop.name} — ${d.statement.reference}`);
  const f = new Flow(pdf, (page) => {
    const label = c.t('invoice.page', { page, pages });
    pdf.fillColor('#666666').font('Helvetica').fontSize(7).text(fitText(pdf, footerText, W - 80), X, A4.h - 30, { lineBreak: false });
    pdf.text(label, X + W - pdf.widthOfString(label), A4.h - 30, { lineBreak: false });
  });
  try {
    drawFront(f, c);
    let left = rowsFrom(f.y);
    const campaignFit = new Map<string, string>();
    const row = (cells: string[], bold: boolean) => {
      pdf.fillColor('#111111').font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(7.5);
      drawCells(pdf, LINE_COLS, cells, f.y + 3);
      f.y += ROW_H;
      left--;
    };
    /** A closing row: its label spans the four text columns (number, date, voucher, campaign). */
    const labelRow = (label: string, amounts: string[], bold: boolean) => {
      row(['', '', '', '', ...amounts], bold);
      const span = LINE_COLS.slice(0, 4).reduce((w, col) => w + col.w, 0) - 2 * PAD;
      pdf.text(fitText(pdf, label, span), X + PAD, f.y - ROW_H + 3, { lineBreak: false });
    };
    const nextPageIfFull = async () => {
      if (left > 0) return;
      await output.pace();
      f.newPage();
      tableHead(f, c, LINE_COLS);
      left = rowsFrom(f.y);
    };
    for await (const l of deps.lines) {
      await nextPageIfFull();
      if (output.gone()) break;
      let campaign = campaignFit.get(l.campaignName);
      if (campaign === undefined) {
        pdf.font('Helvetica').fontSize(7.5);
        campaignFit.set(l.campaignName, (campaign = fitText(pdf, winAnsi(l.campaignName), LINE_COLS[3]!.w - 2 * PAD)));
      }
      row([String(l.number), parisDateTime(l.createdAt), maskCode(l.code), campaign, c.money(l.grossCents), c.money(l.commissionCents), c.money(l.vatCents), c.money(l.netCents)], false);
    }
    if (!output.gone()) {
      await nextPageIfFull();
      const s = d.statement;
      if (s.breakageCents) {
        labelRow(c.t('statements.breakage_row'), ['', '', '', c.money(s.breakageCents)], false);
        await nextPageIfFull();
      }
      pdf.moveTo(X, f.y + 1).lineTo(X + W, f.y + 1).lineWidth(0.5).strokeColor('#999999').stroke();
      labelRow(c.t('statements.total_count', { count: s.redemptionCount }), [c.money(s.grossCents), c.money(s.commissionCents), c.money(s.vatCents), c.money(s.netCents)], true);
      // The footers promised N pages: a mismatch would be a layout bug, not a reader's problem.
      if (f.page !== pages) throw new Error(`statement ${s.reference}: ${f.page} pages drawn, ${pages} announced`);
    }
  } catch (err) {
    output.abandon();
    throw err;
  }
  await output.finish();
}
