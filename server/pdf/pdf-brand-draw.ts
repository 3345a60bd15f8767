import type { PdfBrand } from './pdf-brand';

/**
 * Drawing the operator's brand on a pdfkit page (sheets, invoices, statements). The logo is
 * opened once per document (WeakMap): a 100-page sheet embeds it once, every page points to
 * the same image object. Bytes that pass the magic-byte check but do not decode leave the
 * logo out rather than fail the document.
 */
/** pdfkit's opened image (its typings omit openImage, which the library documents and `image()` accepts). */
interface Image {
  width: number;
  height: number;
}
const openImage = (pdf: PDFKit.PDFDocument, bytes: Buffer): Image => (pdf as unknown as { openImage(src: Buffer): Image }).openImage(bytes);
const opened = new WeakMap<PDFKit.PDFDocument, Image | null>();

function logoOf(pdf: PDFKit.PDFDocument, brand: PdfBrand): Image | null {
  if (!brand.logo) return null;
  if (opened.has(pdf)) return opened.get(pdf)!;
  let image: Image | null = null;
  try {
    // Structured clone (the sheets' worker thread) turns a Buffer into a Uint8Array.
    const bytes = Buffer.isBuffer(brand.logo.bytes) ? brand.logo.bytes : Buffer.from(brand.logo.bytes as Uint8Array);
    image = openImage(pdf, bytes);
  } catch {
    image = null;
  }
  opened.set(pdf, image);
  return image;
}

/**
 * The logo fitted in `maxW` × `maxH` at (x, y), on a white plate when `plate` (a logo made for
 * a light page stays visible on the coloured band). Returns the width it took (0 without a logo).
 */
export function drawBrandLogo(pdf: PDFKit.PDFDocument, brand: PdfBrand, x: number, y: number, maxW: number, maxH: number, plate = false): number {
  const image = logoOf(pdf, brand);
  if (!image) return 0;
  const pad = plate ? 4 : 0;
  const scale = Math.min((maxW - 2 * pad) / image.width, (maxH - 2 * pad) / image.height);
  const w = image.width * scale;
  const h = image.height * scale;
  if (plate) pdf.roundedRect(x, y, w + 2 * pad, h + 2 * pad, 3).fill('#ffffff');
  pdf.image(image as unknown as Buffer, x + pad, y + pad, { width: w, height: h });
  return w + 2 * pad;
}
