import { fitText } from './pdf-output';
import { centredPair, DEMO_RED, fitBlock, INK, LINE, MUTED, logoBox, qr, style, TaggedPage, voucherTexts, type DocResources, type VoucherPdfContext, type VoucherTexts, type VoucherSheet } from './voucher-parts';

/**
 * The A4 gift document: the brand band, a card with the value, the code, the dates and the
 * QR code, the recipient and the message, then the partner shops (as many as the page
 * holds, with a QR code to the directory for the rest), and how to use it.
 */
export const A4_SIZE: [number, number] = [595.28, 841.89];
const [W, H] = A4_SIZE;
const M = 48;
const CW = W - 2 * M;
const SHOP_ROW = 30;
const LEGAL_TOP = H - 74;
const STEPS_H = 84;
/** The shops stop here, leaving room for the steps. */
const SHOPS_BOTTOM = LEGAL_TOP - 18 - STEPS_H - 14;

export function drawA4Voucher(doc: PDFKit.PDFDocument, v: VoucherSheet, ctx: VoucherPdfContext, res: DocResources): void {
  const x = voucherTexts(v, ctx);
  const { t } = x;
  const primary = ctx.brand.primary;
  doc.addPage({ size: A4_SIZE, margin: 0 });
  const page = new TaggedPage(doc, res.root);

  let top = 0;
  if (ctx.demo) {
    page.artifact(() => doc.rect(0, 0, W, 24).fill(DEMO_RED));
    page.el('P', () => style(doc, { font: 'Bold', size: 10, color: '#ffffff' }).text(t('pdf.demo'), M, 6, { width: CW, align: 'center' }));
    top = 24;
  }

  // Brand band, as tall as the campaign's name needs (one or two lines).
  const logoW = res.logo ? 132 : 0;
  const titleW = CW - (logoW ? logoW + 20 : 0);
  const title = fitBlock(doc, ctx.campaignName, { font: 'Bold', size: 24 }, [24, 21, 18], titleW, 2, -2);
  const subtitleY = top + 50 + title.height + 4;
  const band = Math.max(156, subtitleY + 16 + 22 + 36 - top);
  page.artifact(() => doc.rect(0, top, W, band).fill(primary));
  page.el('P', () => style(doc, { font: 'SemiBold', size: 9, color: '#ffffff' }).text(t('vpdf.kicker').toUpperCase(), M, top + 32, { width: titleW, characterSpacing: 1.6 }));
  page.el('H1', () => style(doc, { font: 'Bold', size: title.size, color: '#ffffff' }).text(title.text, M, top + 48, { width: titleW, lineGap: -2 }));
  page.el('P', () => style(doc, { size: 11, color: '#ffffff' }).text(fitText(doc, x.subtitle, titleW), M, subtitleY, { width: titleW, lineBreak: false }));
  if (res.logo) logoBox(doc, page, res.logo, t('vpdf.logo_alt', { name: x.subtitle }), W - M - logoW, top + 30, logoW, 76);

  // The voucher card, over the band's lower edge.
  const cardY = top + band - 36;
  const cardH = 214;
  const pad = 24;
  const qrSize = 150;
  const qrX = M + CW - pad - qrSize;
  const leftW = qrX - M - 2 * pad;
  page.artifact(() => {
    doc.roundedRect(M, cardY, CW, cardH, 12).fillAndStroke('#ffffff', LINE);
  });
  page.el('P', () => style(doc, { font: 'SemiBold', size: 10.5, color: ctx.brand.accent }).text(t('pdf.value'), M + pad, cardY + pad, { width: leftW }));
  page.el('P', () => style(doc, { font: 'Bold', size: 46, color: primary }).text(x.value, M + pad, cardY + pad + 10, { width: leftW, lineBreak: false }));
  const cell = (label: string, value: string, cx: number, cy: number, w: number, size = 12.5) => {
    page.el('P', () => {
      // The trailing space keeps label and value apart when the text is read out or copied.
      style(doc, { size: 8.5, color: MUTED }).text(`${label} `, cx, cy, { width: w, lineBreak: false });
      style(doc, { font: 'SemiBold', size, color: INK }).text(fitText(doc, value, w), cx, cy + 12, { width: w, lineBreak: false });
    });
  };
  const gridY = cardY + 102;
  cell(t('pdf.code'), x.code, M + pad, gridY, leftW, 15);
  const half = (leftW - 16) / 2;
  cell(t('pdf.expires'), x.expires, M + pad, gridY + 46, half);
  cell(x.balanceLabel, x.balance, M + pad + half + 16, gridY + 46, half);
  page.figure(t('vpdf.qr_alt', { url: x.url }), () => qr(doc, x.qr, qrX, cardY + 16, qrSize));
  page.el('P', () => style(doc, { size: 8.5, color: MUTED }).text(t('vpdf.scan'), qrX, cardY + 16 + qrSize + 2, { width: qrSize, align: 'center' }));

  let y = cardY + cardH + 22;

  // Recipient and message.
  if (v.recipientName || v.message) {
    const inner = CW - 44;
    const forLine = v.recipientName ? t('vpdf.for', { name: v.recipientName }) : null;
    const message = v.message ? `«\u202f${v.message}\u202f»` : null;
    style(doc, { font: 'Italic', size: 13 });
    const msgH = message ? Math.min(doc.heightOfString(message, { width: inner, lineGap: 2 }), 5 * 20) : 0;
    const boxH = 30 + (forLine ? 20 : 0) + (forLine && message ? 6 : 0) + msgH;
    page.artifact(() => {
      doc.save().fillOpacity(0.07).roundedRect(M, y, CW, boxH, 10).fill(primary).restore();
      doc.rect(M, y + 10, 4, boxH - 20).fill(primary);
    });
    let by = y + 15;
    if (forLine) {
      page.el('P', () => style(doc, { font: 'SemiBold', size: 13, color: primary }).text(`${forLine} `, M + 24, by, { width: inner, lineBreak: false }));
      by += 26;
    }
    if (message) page.el('BlockQuote', () => style(doc, { font: 'Italic', size: 13, color: INK }).text(message, M + 24, by, { width: inner, height: msgH + 2, ellipsis: true, lineGap: 2 }));
    y += boxH + 22;
  }

  const shopsBottom = drawShops(doc, page, ctx, res, x, y);

  // How to use it, right after the shops; the legal status and the voucher's page at the foot.
  drawSteps(doc, page, ctx, x, shopsBottom + 18);
  page.artifact(() => doc.moveTo(M, LEGAL_TOP).lineTo(M + CW, LEGAL_TOP).dash(3, { space: 3 }).strokeColor('#9aa4ae').lineWidth(0.8).stroke().undash());
  page.el('P', () => style(doc, { size: 7.5, color: MUTED }).text(t('pdf.multi_purpose', { campaign: ctx.campaignName }), M, LEGAL_TOP + 9, { width: CW, lineGap: 1 }));
  page.el('P', () => centredPair(doc, { size: 8.5, color: MUTED, text: t('vpdf.page_link') }, { font: 'SemiBold', size: 8.5, color: primary, text: x.printedUrl }, W / 2, H - 30));
  page.end();
}

function drawShops(doc: PDFKit.PDFDocument, page: TaggedPage, ctx: VoucherPdfContext, res: DocResources, x: VoucherTexts, top: number): number {
  const { t: tr, shopLine } = x;
  const primary = ctx.brand.primary;
  const { shops, total, directoryUrl } = ctx.shops;
  page.el('H2', () => style(doc, { font: 'Bold', size: 15, color: primary }).text(tr('vpdf.where_title'), M, top, { width: CW * 0.6, lineBreak: false }));
  if (total > 0) page.el('P', () => style(doc, { size: 9.5, color: MUTED }).text(tr('vpdf.shops_count', { count: total }), M + CW * 0.6, top + 5, { width: CW * 0.4, align: 'right', lineBreak: false }));
  const listTop = top + 28;
  page.artifact(() => doc.moveTo(M, listTop - 6).lineTo(M + CW, listTop - 6).strokeColor(LINE).lineWidth(0.8).stroke());
  if (total === 0) {
    page.el('P', () => {
      style(doc, { size: 10, color: INK }).text(`${tr('vpdf.shops_none')} `, M, listTop + 4, { width: CW });
      style(doc, { font: 'SemiBold', size: 10, color: primary }).text(directoryUrl, M, doc.y + 1, { width: CW });
    });
    return doc.y;
  }
  const bottom = SHOPS_BOTTOM;
  const colW = (CW - 24) / 2;
  const fitsAll = (linkH: number) => Math.max(0, Math.floor((bottom - listTop - linkH) / SHOP_ROW)) * 2;
  let linkH = 22;
  let capacity = fitsAll(linkH);
  const more = total > Math.min(capacity, shops.length);
  if (more) {
    linkH = 72;
    capacity = fitsAll(linkH);
  }
  const shown = Math.min(shops.length, capacity);
  const rows = Math.ceil(shown / 2);
  page.list(shown, (i) => {
    // Column by column, so the list reads down as the campaign page lists it (by town).
    const cx = M + (i < rows ? 0 : colW + 24);
    const cy = listTop + (i % rows) * SHOP_ROW;
    const s = shops[i]!;
    style(doc, { font: 'SemiBold', size: 9.5, color: INK }).text(`${fitText(doc, s.name, colW)} `, cx, cy, { width: colW, lineBreak: false });
    style(doc, { size: 8, color: MUTED }).text(fitText(doc, shopLine(s), colW), cx, cy + 13, { width: colW, lineBreak: false });
  });
  const linkY = listTop + rows * SHOP_ROW + 6;
  if (more) {
    const size = 64;
    page.figure(tr('vpdf.directory_qr_alt', { url: directoryUrl }), () => qr(doc, res.directoryQr, M - 6, linkY - 4, size));
    page.el('P', () => {
      style(doc, { size: 10, color: INK }).text(`${tr('vpdf.shops_more', { count: total - shown })} `, M + size + 4, linkY + 12, { width: CW - size - 4 });
      style(doc, { font: 'SemiBold', size: 10, color: primary }).text(directoryUrl, M + size + 4, doc.y + 1, { width: CW - size - 4 });
    });
    return linkY - 4 + size;
  } else {
    page.el('P', () => {
      style(doc, { size: 9.5, color: MUTED }).text(`${tr('vpdf.shops_all')} `, M, linkY, { width: CW, continued: true });
      style(doc, { font: 'SemiBold', size: 9.5, color: primary }).text(directoryUrl);
    });
  }
  return doc.y;
}

/** « Comment l'utiliser ? »: three numbered steps side by side, in a tinted box. */
function drawSteps(doc: PDFKit.PDFDocument, page: TaggedPage, ctx: VoucherPdfContext, x: VoucherTexts, y: number): void {
  const { t } = x;
  const primary = ctx.brand.primary;
  page.artifact(() => doc.save().fillOpacity(0.06).roundedRect(M, y, CW, STEPS_H, 10).fill(primary).restore());
  page.el('H2', () => style(doc, { font: 'Bold', size: 10.5, color: INK }).text(t('pdf.how_title'), M + 18, y + 12, { width: CW - 36, lineBreak: false }));
  const colW = (CW - 36 - 2 * 16) / 3;
  const steps = [t('vpdf.step1'), t('vpdf.step2'), t('vpdf.step3')];
  page.artifact(() => {
    steps.forEach((_, i) => {
      const cx = M + 18 + i * (colW + 16);
      doc.circle(cx + 9, y + 44, 9).fill(primary);
      style(doc, { font: 'Bold', size: 10, color: '#ffffff' }).text(String(i + 1), cx, y + 37.5, { width: 18, align: 'center', lineBreak: false });
    });
  });
  page.list(steps.length, (i) => {
    const cx = M + 18 + i * (colW + 16);
    style(doc, { size: 8.5, color: INK }).text(steps[i]!, cx + 24, y + 36, { width: colW - 24, lineGap: 1 });
  });
}
