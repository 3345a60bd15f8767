import PDFDocument from 'pdfkit';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { formatCode } from '../lib/codes';
import { translate } from '../lib/i18n';
import { formatMoney } from '../lib/money';
import { formatLongDate } from '../lib/dates';
import { A4, BRAND, winAnsi as pdfText } from './pdf-output';
import { drawQr, qrRuns } from './qr-vector';

export interface VoucherSheet {
  code: string;
  amountCents: number;
  balanceCents: number;
  expiresAt: string;
  recipientName: string | null;
  message: string | null;
}

export interface VoucherPdfContext {
  baseUrl: string;
  locale: string;
  campaignName: string;
  operatorName: string;
  demo: boolean;
}

const PAGES_PER_SLICE = 16;
const HIGH_WATER = 256 * 1024;

/**
 * Streams one voucher per A4 page into `out`. pdfkit pushes each finished page into its
 * readable buffer whatever the consumer does, so drawing is paced by hand: every few
 * pages we yield to the event loop (other requests keep being served) and, while more
 * than HIGH_WATER bytes wait unread, we wait for the consumer to drain. Memory stays flat
 * for any number of vouchers; a client that goes away stops the drawing.
 */
export async function streamVoucherPdf(out: Writable, vouchers: Iterable<VoucherSheet>, ctx: VoucherPdfContext): Promise<void> {
  const doc = new PDFDocument({ size: 'A4', autoFirstPage: false, compress: true, info: { Title: ctx.campaignName, Author: ctx.operatorName } });
  const finished = new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('close', resolve);
    out.once('error', reject);
    doc.once('error', reject);
  });
  doc.pipe(out);
  const gone = () => out.destroyed || out.writableEnded;
  let pages = 0;
  for (const v of vouchers) {
    if (gone()) break;
    drawVoucherPage(doc, v, ctx);
    if (++pages % PAGES_PER_SLICE !== 0) continue;
    await new Promise<void>((r) => setImmediate(r));
    while (doc.readableLength > HIGH_WATER && !gone()) await Promise.race([once(out, 'drain'), once(out, 'close'), new Promise((r) => setTimeout(r, 50))]);
  }
  if (gone()) {
    doc.unpipe(out);
    doc.destroy();
    return;
  }
  doc.end();
  return finished;
}

function drawVoucherPage(doc: PDFKit.PDFDocument, v: VoucherSheet, ctx: VoucherPdfContext): void {
  const t = (key: string, params?: Record<string, string | number>) => pdfText(translate(ctx.locale, key, params));
  const money = (c: number) => pdfText(formatMoney(c, ctx.locale));
  doc.addPage({ size: 'A4', margin: 0 });
  const x = 56;
  const w = A4.w - 2 * x;
  doc.rect(0, 0, A4.w, 120).fill(BRAND);
  doc.fillColor('#ffffff').font('Helvetica-Bold').fontSize(24).text(pdfText(ctx.campaignName), x, 40, { width: w });
  doc.font('Helvetica').fontSize(11).text(pdfText(ctx.operatorName), x, 76, { width: w });
  if (ctx.demo) doc.fillColor('#b00020').font('Helvetica-Bold').fontSize(11).text(t('pdf.demo'), x, 132, { width: w });

  doc.fillColor('#111111').font('Helvetica').fontSize(12).text(t('pdf.value'), x, 160);
  doc.font('Helvetica-Bold').fontSize(44).text(money(v.amountCents), x, 178);
  if (v.balanceCents !== v.amountCents) {
    doc.font('Helvetica').fontSize(12).text(t('pdf.balance', { amount: money(v.balanceCents) }), x, 232);
  }
  const qrSize = 200;
  drawQr(doc, qrRuns(`${ctx.baseUrl}/v/${v.code}`), A4.w - x - qrSize, 150, qrSize);

  let y = 270;
  const line = (label: string, value: string, size = 14) => {
    doc.fillColor('#555555').font('Helvetica').fontSize(10).text(label, x, y);
    doc.fillColor('#111111').font('Helvetica-Bold').fontSize(size).text(pdfText(value), x, y + 13, { width: w - qrSize - 20 });
    y += 22 + size;
  };
  line(t('pdf.code'), formatCode(v.code), 16);
  line(t('pdf.expires'), formatLongDate(v.expiresAt, ctx.locale));
  if (v.recipientName) line(t('pdf.recipient'), v.recipientName);
  if (v.message) {
    doc.fillColor('#555555').font('Helvetica').fontSize(10).text(t('pdf.message'), x, y);
    doc.fillColor('#111111').font('Helvetica-Oblique').fontSize(13).text(pdfText(`« ${v.message} »`), x, y + 13, { width: w });
    y = doc.y + 16;
  }
  y = Math.max(y, 480);
  doc.moveTo(x, y).lineTo(x + w, y).dash(4, { space: 4 }).strokeColor('#999999').stroke().undash();
  doc.fillColor('#111111').font('Helvetica-Bold').fontSize(12).text(t('pdf.how_title'), x, y + 18, { width: w });
  doc.font('Helvetica').fontSize(11).text(t('pdf.how_body'), x, y + 36, { width: w, lineGap: 2 });
  doc.fillColor('#333333').fontSize(10).text(t('pdf.multi_purpose', { campaign: ctx.campaignName }), x, doc.y + 12, { width: w, lineGap: 2 });
  doc.fillColor(BRAND).fontSize(10).text(pdfText(`${ctx.baseUrl}/v/${formatCode(v.code)}`), x, A4.h - 60, { width: w, align: 'center' });
}
