/**
 * What an order's documents read (sheets, CSV, pro-forma, invoice): the order's reads
 * (order-reads.ts), the brand a PDF draws with, and the vouchers page by page (keyset on id)
 * so 10 000 vouchers stay flat in memory and no statement stays open across the awaits of a
 * streamed response. One source, two stores: SQLite (the repositories) and PostgreSQL.
 */
import type pg from 'pg';
import type { Tx } from '../../../db/client';
import { preparedOn } from '../../../db/postgres';
import { sqliteOf } from '../../../db/client';
import { vouchers } from '../../../db/schema/index';
import { awaited, done, type Step } from '../../../db/unit-of-work';
import type { PdfBrand } from '../../pdf/pdf-brand';
import { loadPdfBrand } from '../brand/brand-service';
import { pgHolderStore } from '../vouchers/holder-store-pg';
import type { Voucher } from '../vouchers/voucher';
import { VOUCHER_COLUMNS } from '../vouchers/vouchers-repository';
import { selectList } from './order-creation-store-pg';
import { sqliteOrderReads, type OrderReads } from './order-reads';
import { pgOrderReads } from './order-reads-pg';

export interface OrderDocumentsStore extends OrderReads {
  pdfBrand(): Step<PdfBrand>;
  /** Up to `limit` of the order's vouchers whose id comes after `after`, in id order. */
  voucherPage(orderId: string, after: string, limit: number): Step<Voucher[]>;
}

export function sqliteOrderDocumentsStore(tx: Tx): OrderDocumentsStore {
  return {
    ...sqliteOrderReads(tx),
    pdfBrand: () => done(loadPdfBrand(tx)),
    voucherPage: (orderId, after, limit) =>
      done(sqliteOf(tx).prepare<[string, string, number], Voucher>(`SELECT ${VOUCHER_COLUMNS} FROM vouchers WHERE order_id = ? AND id > ? ORDER BY id LIMIT ?`).all(orderId, after, limit)),
  };
}

const VOUCHER = selectList(vouchers);

export function pgOrderDocumentsStore(client: pg.ClientBase): OrderDocumentsStore {
  const q = preparedOn(client);
  return {
    ...pgOrderReads(client),
    pdfBrand: pgHolderStore(client).pdfBrand,
    // COLLATE "C": SQLite's byte order, so both backends page the same way.
    voucherPage: (orderId, after, limit) =>
      awaited(async () => (await q<Voucher>('order_doc_voucher_page', `SELECT ${VOUCHER} FROM vouchers WHERE order_id = $1 AND id COLLATE "C" > $2 ORDER BY id COLLATE "C" LIMIT $3`, [orderId, after, limit])).rows),
  };
}
