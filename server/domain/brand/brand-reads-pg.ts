import type pg from 'pg';
import type { PdfBrand } from '../../pdf/pdf-brand';
import { DEFAULT_BRAND, toPdfBrand, type BrandSummary, type ImageType } from './brand';

const asType = (x: string | null): ImageType | null => (x === 'png' || x === 'jpg' ? x : null);

type SummaryRow = Omit<BrandSummary, 'logoType' | 'imageType'> & { logoType: string | null; imageType: string | null };

/** brandReader (brand-repository.ts) on PostgreSQL: the same primary-key read, prepared once per pooled connection. */
export function pgBrandReader(pool: pg.Pool): () => Promise<BrandSummary> {
  return async () => {
    const { rows } = await pool.query<SummaryRow>({
      name: 'brand_summary',
      text: 'SELECT name, primary_color AS "primary", accent_color AS accent, logo_type AS "logoType", image_type AS "imageType", version FROM operator_brand WHERE id = 1',
    });
    const row = rows[0];
    return row ? { ...row, logoType: asType(row.logoType), imageType: asType(row.imageType) } : DEFAULT_BRAND;
  };
}

/** readBrandImage on PostgreSQL (bytea comes back as a Buffer). */
export async function pgReadBrandImage(pool: pg.Pool, which: 'logo' | 'image'): Promise<{ bytes: Buffer; type: ImageType; version: number } | null> {
  // Two fixed statements rather than a column name in the SQL: nothing from outside reaches the text.
  const text = which === 'logo' ? 'SELECT logo AS bytes, logo_type AS type, version FROM operator_brand WHERE id = 1' : 'SELECT image AS bytes, image_type AS type, version FROM operator_brand WHERE id = 1';
  const { rows } = await pool.query<{ bytes: Buffer | null; type: string | null; version: number }>({ name: `brand_${which}`, text });
  const row = rows[0];
  const type = asType(row?.type ?? null);
  return row?.bytes && type ? { bytes: row.bytes, type, version: row.version } : null;
}

/**
 * loadPdfBrand (brand-service.ts) on PostgreSQL: the brand row and its logo in one read (the
 * logo used only when a type says there is one), on a pool or a unit's connection. The voucher
 * page's PDF, order documents and mails all draw their brand from here.
 */
export async function pgPdfBrand(db: pg.Pool | pg.ClientBase): Promise<PdfBrand> {
  const { rows } = await db.query<SummaryRow & { logo: Buffer | null }>({
    name: 'brand_pdf',
    text: 'SELECT name, primary_color AS "primary", accent_color AS accent, logo_type AS "logoType", image_type AS "imageType", version, logo FROM operator_brand WHERE id = 1',
  });
  const row = rows[0];
  if (!row) return toPdfBrand(DEFAULT_BRAND, null);
  const { logo, ...summary } = row;
  const b = { ...summary, logoType: asType(summary.logoType), imageType: asType(summary.imageType) };
  return toPdfBrand(b, b.logoType && logo ? Buffer.from(logo) : null);
}
