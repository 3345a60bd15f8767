import type { Database_ } from '../../../db/client';
import type { Voucher } from './voucher';
import { VOUCHER_COLUMNS } from './vouchers-repository';

/**
 * An order's vouchers page by page (keyset on id), for documents of 10 000 vouchers:
 * memory stays flat and no statement stays open across the awaits of a streamed response
 * (an open better-sqlite3 iterator would make the shared connection refuse every other query).
 */
export async function* orderVoucherPages(database: Database_, orderId: string, pageSize = 500): AsyncGenerator<Voucher> {
  const page = database.sqlite.prepare<[string, string, number], Voucher>(
    `SELECT ${VOUCHER_COLUMNS} FROM vouchers WHERE order_id = ? AND id > ? ORDER BY id LIMIT ?`,
  );
  let after = '';
  for (;;) {
    const rows = page.all(orderId, after, pageSize);
    for (const v of rows) yield v;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}
