import type { Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import type { PdfBrand } from '../../pdf/pdf-brand';
import { loadPdfBrand } from '../brand/brand-service';
import { sqliteCatalogStore, type CatalogStore } from '../campaigns/catalog-store';
import { voucherHistory } from '../redemptions/redemptions-repository';
import type { Voucher } from './voucher';
import { findVoucherByCode } from './vouchers-repository';

export type VoucherHistoryLine = ReturnType<typeof voucherHistory>[number];

/**
 * What the holder's public pages read (/v/:code, its PDF): the voucher by its code, its
 * redemptions, the campaign and its shops (the catalog), the brand a PDF draws with.
 * Reads only. SQLite: the existing repository functions; PostgreSQL: holder-store-pg.ts.
 */
export interface HolderStore extends CatalogStore {
  voucherByCode(code: string): Step<Voucher | undefined>;
  /** The voucher's redemptions (voided ones too), newest first, with the shop's name and town. */
  history(voucherId: string): Step<VoucherHistoryLine[]>;
  pdfBrand(): Step<PdfBrand>;
}

export function sqliteHolderStore(tx: Tx): HolderStore {
  return {
    ...sqliteCatalogStore(tx),
    voucherByCode: (code) => done(findVoucherByCode(tx, code)),
    history: (id) => done(voucherHistory(tx, id)),
    pdfBrand: () => done(loadPdfBrand(tx)),
  };
}
