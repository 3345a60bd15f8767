import { fitText } from './pdf-output';
import { centredPair, DEMO_RED, fitBlock, INK, LINE, MUTED, logoBox, qr, style, TaggedPage, voucherTexts, type DocResources, type VoucherPdfContext, type VoucherSheet } from './voucher-parts';

/**
 * The A6 card (a quarter of A4: to print and fold into an envelope, or to send as is): the
 * same content as the A4 document, tighter. The message gets three lines at most, and the
 * shops as many one-line entries as the card holds, with a QR code to the directory.
 */
export const A6_SIZE: [number, number] = [297.64, 419.53];
const [W, H] = A6_SIZE;
const M = 18;
const CW = W - 2 * M;
const SHOP_ROW = 10.5;
const FOOTER_TOP = H - 40;

export function drawA6Voucher(doc: PDFKit.PDFDocument, v: VoucherSheet, ctx: VoucherPdfContext, res: DocResources): void {
  const x = voucherTexts(v, ctx);
  const { t } = x;
  const primary = ctx.brand.primary;
  doc.addPage({ size: A6_SIZE, margin: 0 });
  const page = new TaggedPage(doc, res.root);

  let top = 0;
  if (ctx.demo) {
    page.artifact(() => doc.rect(0, 0, W, 14).fill(DEMO_RED));
    page.el('P', () => style(doc, { font: 'Bold', size: 6.5, color: '#ffffff' }).text(t('pdf.demo'), M, 3.5, { width: CW, align: 'center', lineBreak: false }));
    top = 14;
  }

  const band = 70;
  page.artifact(() => doc.rect(0, top, W, band).fill(primary));
  const logoW = res.logo ? 64 : 0;
  const titleW = CW - (logoW ? logoW + 10 : 0);
  page.el('P', () => style(doc, { font: 'SemiBold', size: 6, color: '#ffffff' }).text(t('vpdf.kicker').toUpperCase(), M, top + 12, { width: titleW, characterSpacing: 1, lineBreak: false }));
  const title = fitBlock(doc, ctx.campaignName, { font: 'Bold', size: 13 }, [13, 11.5, 10], titleW, 2, -2);
  page.el('H1', () => style(doc, { font: 'Bold', size: title.size, color: '#ffffff' }).text(title.text, M, top + 21, { width: titleW, lineGap: -2 }));
  page.el('P', () => style(doc, { size: 7, color: '#ffffff' }).text(fitText(doc, x.subtitle, titleW), M, top + 22 + title.height, { width: titleW, lineBreak: false }));
  if (res.logo) logoBox(doc, page, res.logo, t('vpdf.logo_alt', { name: x.subtitle }), W - M - logoW, top + 12, logoW, 44);

  const qrSize = 104;
  const qrX = W - M - qrSize + 6;
  const leftW = qrX - M - 4;
  let y = top + band + 12;
  page.el('P', () => style(doc, { font: 'SemiBold', size: 7, color: ctx.brand.accent }).text(t('pdf.value'), M, y, { width: leftW, lineBreak: false }));
  page.el('P', () => style(doc, { font: 'Bold', size: 26, color: primary }).text(x.value, M, y + 8, { width: leftW, lineBreak: false }));
  page.figure(t('vpdf.qr_alt', { url: x.url }), () => qr(doc, x.qr, qrX, y - 6, qrSize));
  page.el('P', () => style(doc, { size: 6, color: MUTED }).text(t('vpdf.scan'), qrX, y - 6 + qrSize, { width: qrSize, align: 'center', lineBreak: false }));
  y += 46;
  const cell = (label: string, value: string, size = 8.5) => {
    page.el('P', () => {
      // The trailing space keeps label and value apart when the text is read out or copied.
      style(doc, { size: 6, color: MUTED }).text(`${label} `, M, y, { width: leftW, lineBreak: false });
      style(doc, { font: 'SemiBold', size, color: INK }).text(fitText(doc, value, leftW), M, y + 7.5, { width: leftW, lineBreak: false });
    });
    y += 21;
  };
  cell(t('pdf.code'), x.code, 9);
  cell(t('pdf.expires'), x.expires);
  cell(x.balanceLabel, x.balance);
  y = Math.max(y, top + band + 12 + qrSize + 6) + 2;

  if (v.recipientName || v.message) {
    const inner = CW - 20;
    const forLine = v.recipientName ? t('vpdf.for', { name: v.recipientName }) : null;
    const message = v.message ? `«\u202f${v.message}\u202f»` : null;
    style(doc, { font: 'Italic', size: 8 });
    const msgH = message ? Math.min(doc.heightOfString(message, { width: inner, lineGap: 1 }), 3 * 12) : 0;
    const boxH = 14 + (forLine ? 11 : 0) + (forLine && message ? 2 : 0) + msgH;
    const boxY = y;
    page.artifact(() => {
      doc.save().fillOpacity(0.07).roundedRect(M, boxY, CW, boxH, 6).fill(primary).restore();
      doc.rect(M, boxY + 6, 2.5, boxH - 12).fill(primary);
    });
    let by = boxY + 7;
    if (forLine) {
      page.el('P', () => style(doc, { font: 'SemiBold', size: 8.5, color: primary }).text(fitText(doc, forLine, inner), M + 10, by, { width: inner, lineBreak: false }));
      by += 13;
    }
    if (message) page.el('BlockQuote', () => style(doc, { font: 'Italic', size: 8, color: INK }).text(message, M + 10, by, { width: inner, height: msgH + 1, ellipsis: true, lineGap: 1 }));
    y = boxY + boxH + 9;
  }

  // Partner shops: one line each, as many as the card holds.
  const { shops, total, directoryUrl } = ctx.shops;
  page.el('H2', () => style(doc, { font: 'Bold', size: 8.5, color: primary }).text(t('vpdf.where_title'), M, y, { width: CW * 0.55, lineBreak: false }));
  if (total > 0) page.el('P', () => style(doc, { size: 6.5, color: MUTED }).text(t('vpdf.shops_count', { count: total }), M + CW * 0.55, y + 2, { width: CW * 0.45, align: 'right', lineBreak: false }));
  y += 13;
  page.artifact(() => doc.moveTo(M, y - 2).lineTo(M + CW, y - 2).strokeColor(LINE).lineWidth(0.5).stroke());
  const linkH = 56;
  const capacity = Math.max(0, Math.floor((FOOTER_TOP - 6 - y - linkH) / SHOP_ROW));
  const shown = Math.min(shops.length, total > capacity ? capacity : total);
  const listY = y;
  page.list(shown, (i) => {
    const s = shops[i]!;
    const line = `${s.name} — ${s.city}`;
    style(doc, { size: 7, color: INK }).text(fitText(doc, line, CW), M, listY + i * SHOP_ROW, { width: CW, lineBreak: false });
  });
  y += shown * SHOP_ROW + 3;
  const qrS = 52;
  const textW = CW - qrS - 2;
  page.figure(t('vpdf.directory_qr_alt', { url: directoryUrl }), () => qr(doc, res.directoryQr, M - 4, y, qrS));
  page.el('P', () => {
    const lead = total === 0 ? t('vpdf.shops_none') : total > shown ? t('vpdf.shops_more', { count: total - shown }) : t('vpdf.shops_all');
    style(doc, { size: 6.5, color: INK }).text(`${lead} `, M + qrS, y + 14, { width: textW });
    style(doc, { font: 'SemiBold', size: 6.5, color: primary }).text(fitText(doc, directoryUrl, textW), M + qrS, doc.y + 1, { width: textW, lineBreak: false });
  });

  page.artifact(() => doc.moveTo(M, FOOTER_TOP).lineTo(M + CW, FOOTER_TOP).dash(2, { space: 2 }).strokeColor('#9aa4ae').lineWidth(0.5).stroke().undash());
  page.el('P', () => style(doc, { size: 5.5, color: MUTED }).text(t('vpdf.mpv_short'), M, FOOTER_TOP + 5, { width: CW, lineGap: 0.5 }));
  page.el('P', () => {
    centredPair(doc, { size: 6, color: MUTED, text: t('vpdf.page_link') }, { font: 'SemiBold', size: 6, color: primary, text: x.printedUrl }, W / 2, H - 15);
  });
  page.end();
}
