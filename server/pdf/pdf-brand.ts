/**
 * What a PDF needs of the operator's brand (voucher, sheets, invoices, statements). The
 * operator's brand settings produce one; DEFAULT_PDF_BRAND is what documents look like
 * until the operator sets theirs. Colours are #rrggbb, checked for contrast when saved
 * (white text on `primary`, `accent` on white), so a document can rely on them.
 */
export interface PdfBrand {
  /** The scheme's name as the operator spells it (e.g. « Chèques cadeaux de Fécamp »); null: the site's name. */
  name: string | null;
  /** Header bands and titles; white text sits on it. */
  primary: string;
  /** Small labels on white. */
  accent: string;
  /** The operator's logo, as uploaded (magic bytes checked): pdfkit draws PNG and JPEG. */
  logo: { bytes: Buffer; type: 'png' | 'jpeg' } | null;
}

export const DEFAULT_PDF_BRAND: PdfBrand = { name: null, primary: '#1f4e79', accent: '#c2410c', logo: null };
