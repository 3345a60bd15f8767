import PDFDocument from 'pdfkit';
import type { Writable } from 'node:stream';
import { translate } from '../lib/i18n';
import { defaultFont, registerOpenSans } from './pdf-fonts';
import { pipePdf } from './pdf-output';
import { drawA4Voucher } from './voucher-a4';
import { drawA6Voucher } from './voucher-a6';
import { docResources, type VoucherPdfContext, type VoucherSheet } from './voucher-parts';

export type { VoucherPdfContext, VoucherPdfFormat, VoucherSheet } from './voucher-parts';

const PAGES_PER_SLICE = 4;

/**
 * Streams one voucher per page (A4 gift document, or A6 card with `format: 'a6'`) into
 * `out`: a tagged PDF 1.7 in the reader's language, Open Sans embedded (RGAA 13.3). The
 * drawing is paced by pipePdf: every few pages it yields to the event loop and waits while
 * the consumer lags, so memory stays flat for any number of vouchers; a client that goes
 * away stops the drawing.
 */
export async function streamVoucherPdf(out: Writable, vouchers: Iterable<VoucherSheet>, ctx: VoucherPdfContext): Promise<void> {
  const lang = ctx.locale === 'en' ? 'en-GB' : 'fr-FR';
  const title = translate(ctx.locale, 'vpdf.title', { campaign: ctx.campaignName });
  const doc = new PDFDocument({
    autoFirstPage: false, compress: true, tagged: true, pdfVersion: '1.7', lang, displayTitle: true,
    font: defaultFont(),
    info: { Title: title, Author: ctx.brand.name ?? ctx.operatorName, Subject: ctx.campaignName, Creator: 'bons-locaux' },
  });
  registerOpenSans(doc);
  const output = pipePdf(doc, out);
  const res = docResources(doc, ctx);
  const draw = ctx.format === 'a6' ? drawA6Voucher : drawA4Voucher;
  let pages = 0;
  for (const v of vouchers) {
    if (output.gone()) break;
    draw(doc, v, ctx, res);
    if (++pages % PAGES_PER_SLICE !== 0) continue;
    forgetLayouts(doc);
    await output.pace();
  }
  if (output.gone()) {
    output.abandon();
    return;
  }
  res.root.end();
  await output.finish();
}

/**
 * pdfkit keeps the shaped glyphs of every word it has laid out, per font, for the whole
 * document: with a code and a URL unique to each voucher that grows by ~15 KB a page. Words
 * that repeat (labels, shops, legal text) are laid out again after a clear, which costs less
 * than the memory. (`layoutCache` is pdfkit's own field; without it there is nothing to clear.)
 */
function forgetLayouts(doc: PDFKit.PDFDocument): void {
  const families = (doc as unknown as { _fontFamilies: Record<string, { layoutCache?: object }> })._fontFamilies;
  for (const font of Object.values(families)) if (font.layoutCache) font.layoutCache = Object.create(null);
}
