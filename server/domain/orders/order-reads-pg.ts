/** The order reads (order-reads.ts) on PostgreSQL: named prepared statements on one pooled connection. */
import type pg from 'pg';
import { campaigns, invoices, orderItems, orders, vouchers } from '../../../db/schema/index';
import { preparedOn } from '../../../db/postgres';
import { awaited, type Step } from '../../../db/unit-of-work';
import { toCampaign, type Campaign } from '../campaigns/campaign';
import type { OrderReads } from './order-reads';
import { selectList } from './order-creation-store-pg';

const ORDER = selectList(orders);
const CAMPAIGN = selectList(campaigns);
const ITEM = selectList(orderItems);
const VOUCHER = selectList(vouchers);
const INVOICE = selectList(invoices);

export function pgOrderReads(client: pg.ClientBase): OrderReads {
  const q = preparedOn(client);
  const rows = <R>(name: string, text: string, values: unknown[]): Step<R[]> => awaited(async () => (await q<R>(name, text, values)).rows);
  function* first<R>(name: string, text: string, values: unknown[]): Step<R | undefined> {
    return (yield* rows<R>(name, text, values))[0];
  }
  return {
    order: (id) => first('order_read', `SELECT ${ORDER} FROM orders WHERE id = $1`, [id]),
    *campaign(id): Step<Campaign | undefined> {
      const row = yield* first<Parameters<typeof toCampaign>[0]>('order_read_campaign', `SELECT ${CAMPAIGN} FROM campaigns WHERE id = $1`, [id]);
      return row && toCampaign(row);
    },
    items: (orderId) => rows('order_read_items', `SELECT ${ITEM} FROM order_items WHERE order_id = $1 ORDER BY position`, [orderId]),
    vouchers: (orderId) => rows('order_read_vouchers', `SELECT ${VOUCHER} FROM vouchers WHERE order_id = $1 ORDER BY issued_at COLLATE "C", code COLLATE "C"`, [orderId]),
    invoice: (orderId) => first('order_read_invoice', `SELECT ${INVOICE} FROM invoices WHERE order_id = $1 AND kind = 'invoice'`, [orderId]),
    *markCodesExported(orderId, at) {
      yield* rows('order_codes_exported', `UPDATE orders SET codes_exported_at = $2 WHERE id = $1 AND codes_exported_at IS NULL`, [orderId, at]);
    },
  };
}
