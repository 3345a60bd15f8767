/**
 * The order pages' reads on PostgreSQL (see order-pages-store.ts): the same rows as the
 * SQLite queries. The list's search matches what the operator typed literally, as
 * SQLite's instr() does there: strpos(), no LIKE wildcards to escape.
 */
import type pg from 'pg';
import { getTableColumns } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { preparedOn } from '../../../db/postgres';
import { orderItems, orders, refunds } from '../../../db/schema/index';
import { awaited } from '../../../db/unit-of-work';
import type { Order, OrderItem } from '../orders/orders-repository';
import type { OrderVoucher, Refund } from '../orders/refunds-repository';
import { refundRefusal } from '../orders/refunds-service';
import type { Voucher } from '../vouchers/voucher';
import { PG_VOUCHER_COLUMNS } from '../vouchers/voucher-ledger-repository-pg';
import type { OrderPagesStore, OrderPayment } from './order-pages-store';
import type { OrderRow, OrderSearch } from './orders-query';

/** A Drizzle table's columns as `column AS "key"` (PostgreSQL folds unquoted aliases). */
const selectList = (table: SQLiteTable, prefix = '') =>
  Object.entries(getTableColumns(table)).map(([key, c]) => `${prefix}${c.name} AS "${key}"`).join(', ');
const ORDER = selectList(orders);
const ITEM = selectList(orderItems);
const REFUND = selectList(refunds);

/** The search's WHERE, its values numbered from $1 (the same rule as orders-query.ts `where`). */
function where(s: OrderSearch): { text: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  const param = (v: unknown) => `$${values.push(v)}`;
  const contains = (column: string, needle: string) => `strpos(lower(coalesce(${column}, '')), ${param(needle)}) > 0`;
  const q = s.q?.trim().toLowerCase();
  if (q) {
    const compact = q.replace(/[\s-]/g, '');
    parts.push(
      `(${contains('o.reference', q)} OR ${contains(`replace(o.reference, '-', '')`, compact)} OR ${contains('o.transfer_reference', compact)}
        OR ${contains('o.buyer_name', q)} OR ${contains('o.buyer_email', q)} OR ${contains('o.organisation', q)})`,
    );
  }
  if (s.status) parts.push(`o.status = ${param(s.status)}`);
  if (s.paymentMethod) parts.push(`o.payment_method = ${param(s.paymentMethod)}`);
  return { text: parts.length ? `WHERE ${parts.join(' AND ')}` : '', values };
}

export function pgOrderPagesStore(client: pg.ClientBase): OrderPagesStore {
  const q = preparedOn(client);
  const count = async (text: string, values: unknown[]) => Number((await client.query<{ n: string }>({ text, values })).rows[0]!.n);
  return {
    order: (id) => awaited(async () => (await q<Order>('opages_order', `SELECT ${ORDER} FROM orders WHERE id = $1`, [id])).rows[0]),
    search: (s) =>
      awaited(async () => {
        const w = where(s);
        const total = await count(`SELECT count(*) AS n FROM orders o ${w.text}`, w.values);
        const n = w.values.length;
        const rows = (await client.query<OrderRow>({
          text: `SELECT o.id, o.reference, o.status, o.buyer_type AS "buyerType", o.buyer_name AS "buyerName", o.buyer_email AS "buyerEmail",
                        o.organisation, o.payment_method AS "paymentMethod", o.total_cents AS "totalCents", o.paid_cents AS "paidCents",
                        o.review_reason AS "reviewReason", o.created_at AS "createdAt", c.name AS "campaignName"
                   FROM orders o JOIN campaigns c ON c.id = o.campaign_id ${w.text}
                  ORDER BY o.created_at DESC, o.id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
          values: [...w.values, s.perPage, (s.page - 1) * s.perPage],
        })).rows;
        return { rows, total };
      }),
    workload: () =>
      awaited(async () => ({
        awaitingTransfer: await count(`SELECT count(*) AS n FROM orders WHERE status = 'pending_payment' AND payment_method = 'bank_transfer'`, []),
        toReview: await count(`SELECT count(*) AS n FROM orders WHERE review_reason IS NOT NULL`, []),
      })),
    detail: (order) =>
      awaited(async () => {
        const items = (await q<OrderItem>('opages_items', `SELECT ${ITEM} FROM order_items WHERE order_id = $1 ORDER BY position`, [order.id])).rows;
        const invoice = (await q<{ number: string }>('opages_invoice', `SELECT number FROM invoices WHERE order_id = $1 AND kind = 'invoice' LIMIT 1`, [order.id])).rows[0];
        const vouchers = (await q<{ status: string; n: string }>('opages_voucher_counts', `SELECT status, count(*) AS n FROM vouchers WHERE order_id = $1 GROUP BY status`, [order.id])).rows;
        const campaign = (await q<{ name: string }>('opages_campaign', `SELECT name FROM campaigns WHERE id = $1`, [order.campaignId])).rows[0];
        const payments = (await q<OrderPayment>(
          'opages_payments',
          `SELECT id, order_id AS "orderId", provider, provider_ref AS "providerRef", amount_cents AS "amountCents", received_at AS "receivedAt", journal_id AS "journalId"
             FROM payments WHERE order_id = $1 ORDER BY received_at, id`,
          [order.id],
        )).rows;
        const refundRows = (await q<Refund>('opages_refunds', `SELECT ${REFUND} FROM refunds WHERE order_id = $1 ORDER BY created_at DESC, id DESC`, [order.id])).rows;
        // Only summed by the page (refunds-view.ts), so their order does not matter.
        const refundVouchers = refundRefusal(order)
          ? []
          : (await q<Voucher & { bonus: number }>(
              'opages_refund_vouchers',
              `SELECT ${PG_VOUCHER_COLUMNS}, (SELECT i.bonus FROM order_items i WHERE i.id = vouchers.order_item_id) AS bonus
                 FROM vouchers WHERE order_id = $1 ORDER BY id`,
              [order.id],
            )).rows.map(({ bonus, ...v }): OrderVoucher => ({ ...v, bonus: Number(bonus) === 1 }));
        return {
          items,
          invoiceNumber: invoice?.number,
          vouchers: vouchers.map((v) => ({ status: v.status, n: Number(v.n) })),
          campaignName: campaign?.name ?? '',
          payments,
          refunds: refundRows,
          refundVouchers,
        };
      }),
  };
}
