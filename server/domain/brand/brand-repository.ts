import { eq } from 'drizzle-orm';
import type { Database_, Tx } from '../../../db/client';
import { operatorBrand } from '../../../db/schema/index';
import { DEFAULT_BRAND, type BrandSummary, type ImageType } from './brand';

export type BrandRow = typeof operatorBrand.$inferSelect;
const ROW_ID = 1;

const asType = (x: string | null): ImageType | null => (x === 'png' || x === 'jpg' ? x : null);

const summaryColumns = {
  name: operatorBrand.name,
  primary: operatorBrand.primaryColor,
  accent: operatorBrand.accentColor,
  logoType: operatorBrand.logoType,
  imageType: operatorBrand.imageType,
  version: operatorBrand.version,
};

/** The brand without its image bytes; the default until one is saved. */
export function readBrandSummary(tx: Tx): BrandSummary {
  const row = tx.select(summaryColumns).from(operatorBrand).where(eq(operatorBrand.id, ROW_ID)).get();
  return row ? { ...row, logoType: asType(row.logoType), imageType: asType(row.imageType) } : DEFAULT_BRAND;
}

/** One stored image with the version it belongs to, or null. */
export function readBrandImage(tx: Tx, which: 'logo' | 'image'): { bytes: Buffer; type: ImageType; version: number } | null {
  const col = which === 'logo' ? { bytes: operatorBrand.logo, type: operatorBrand.logoType } : { bytes: operatorBrand.image, type: operatorBrand.imageType };
  const row = tx.select({ ...col, version: operatorBrand.version }).from(operatorBrand).where(eq(operatorBrand.id, ROW_ID)).get();
  const type = asType(row?.type ?? null);
  return row?.bytes && type ? { bytes: Buffer.from(row.bytes), type, version: row.version } : null;
}

export interface BrandWrite {
  name: string | null;
  primaryColor: string;
  accentColor: string;
  /** undefined: keep the stored one; null: remove it. */
  logo?: { bytes: Buffer; type: ImageType } | null;
  image?: { bytes: Buffer; type: ImageType } | null;
  updatedAt: string;
  updatedBy: string;
}

/** Inserts or updates the one row, bumping its version; returns the new version. */
export function writeBrand(tx: Tx, w: BrandWrite): number {
  const version = readBrandSummary(tx).version + 1;
  const images = {
    ...(w.logo !== undefined ? { logo: w.logo?.bytes ?? null, logoType: w.logo?.type ?? null } : {}),
    ...(w.image !== undefined ? { image: w.image?.bytes ?? null, imageType: w.image?.type ?? null } : {}),
  };
  const set = { name: w.name, primaryColor: w.primaryColor, accentColor: w.accentColor, ...images, version, updatedAt: w.updatedAt, updatedBy: w.updatedBy };
  tx.insert(operatorBrand).values({ id: ROW_ID, ...set }).onConflictDoUpdate({ target: operatorBrand.id, set }).run();
  return version;
}

/**
 * The brand summary on every page: one prepared primary-key read without the image bytes
 * (a save on another server shows on the next request here, never a stale copy).
 */
export function brandReader(database: Database_): () => BrandSummary {
  const stmt = database.sqlite.prepare('SELECT name, primary_color AS "primary", accent_color AS accent, logo_type AS logoType, image_type AS imageType, version FROM operator_brand WHERE id = 1');
  return () => {
    const row = stmt.get() as (Omit<BrandSummary, 'logoType' | 'imageType'> & { logoType: string | null; imageType: string | null }) | undefined;
    return row ? { ...row, logoType: asType(row.logoType), imageType: asType(row.imageType) } : DEFAULT_BRAND;
  };
}
