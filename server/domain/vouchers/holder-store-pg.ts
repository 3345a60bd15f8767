import { getTableColumns } from 'drizzle-orm';
import type pg from 'pg';
import { preparedOn } from '../../../db/postgres';
import { vouchers } from '../../../db/schema/index';
import { awaited } from '../../../db/unit-of-work';
import { toPdfBrand, DEFAULT_BRAND, type ImageType } from '../brand/brand';
import { pgCatalogStore } from '../campaigns/catalog-store-pg';
import type { HolderStore, VoucherHistoryLine } from './holder-store';
import type { Voucher } from './voucher';

/** Every column of the SQLite schema's vouchers table, aliased to its key: the repository's row shape. */
const VOUCHER = Object.entries(getTableColumns(vouchers)).map(([key, c]) => `"${c.name}" AS "${key}"`).join(', ');
const asType = (x: string | null): ImageType | null => (x === 'png' || x === 'jpg' ? x : null);

/** The holder's pages on PostgreSQL, prepared once per pooled connection (holder-store.ts says what each answers). */
export function pgHolderStore(client: pg.ClientBase): HolderStore {
  const q = preparedOn(client);
  return {
    ...pgCatalogStore(client),
    voucherByCode: (code) => awaited(async () => (await q<Voucher>('holder_voucher_code', `SELECT ${VOUCHER} FROM vouchers WHERE code = $1`, [code])).rows[0]),
    history: (id) =>
      awaited(async () =>
        (await q<VoucherHistoryLine>(
          'holder_history',
          `SELECT r.created_at AS "createdAt", r.amount_cents AS "amountCents", r.status, m.name AS "merchantName", m.city
           FROM movements mv JOIN redemptions r ON r.id = mv.redemption_id JOIN merchants m ON m.id = r.merchant_id
           WHERE mv.voucher_id = $1 AND mv.kind = 'redeem' ORDER BY r.created_at DESC`,
          [id],
        )).rows),
    // The brand row and its logo in one read (the logo only when a type says there is one), as loadPdfBrand.
    pdfBrand: () =>
      awaited(async () => {
        const row = (await q<{ name: string | null; primary: string; accent: string; logoType: string | null; imageType: string | null; version: number; logo: Buffer | null }>(
          'holder_pdf_brand',
          `SELECT name, primary_color AS "primary", accent_color AS "accent", logo_type AS "logoType", image_type AS "imageType", version, logo FROM operator_brand WHERE id = 1`,
          [],
        )).rows[0];
        if (!row) return toPdfBrand(DEFAULT_BRAND, null);
        const { logo, ...summary } = row;
        const b = { ...summary, logoType: asType(summary.logoType), imageType: asType(summary.imageType) };
        return toPdfBrand(b, b.logoType && logo ? Buffer.from(logo) : null);
      }),
  };
}
