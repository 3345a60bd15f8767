import { getTableColumns } from 'drizzle-orm';
import type pg from 'pg';
import { preparedOn } from '../../../db/postgres';
import { vouchers } from '../../../db/schema/index';
import { awaited } from '../../../db/unit-of-work';
import { pgPdfBrand } from '../brand/brand-reads-pg';
import { pgCatalogStore } from '../campaigns/catalog-store-pg';
import type { HolderStore, VoucherHistoryLine } from './holder-store';
import type { Voucher } from './voucher';

/** Every column of the SQLite schema's vouchers table, aliased to its key: the repository's row shape. */
const VOUCHER = Object.entries(getTableColumns(vouchers)).map(([key, c]) => `"${c.name}" AS "${key}"`).join(', ');

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
    pdfBrand: () => awaited(() => pgPdfBrand(client)),
  };
}
