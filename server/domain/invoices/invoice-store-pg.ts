/**
 * An organisation's invoice issued on PostgreSQL, in the payment's unit of work (the card
 * payment's or the bank transfer's, payment-store-pg.ts): the same document as
 * invoices-service.ts `issueInvoiceTx`. The number comes from the yearly `invoice_counters`
 * row, incremented with ON CONFLICT DO UPDATE … RETURNING: that row stays locked until the
 * unit commits, so concurrent payments take consecutive numbers and a rollback gives its
 * number back (no gap, no repeat). The order's row is locked by the caller (FOR UPDATE), so
 * "issued once" is decided by one unit at a time.
 */
import type { PgUnit } from '../../../db/pg-write-behind';
import { formatInvoiceNumber, type Seller } from '../../invoices/invoice-document';
import { newId } from '../../lib/ids';
import { parisDate } from '../../lib/paris-time';
import { orderBuyer } from '../orders/buyer-snapshot';
import type { Order } from '../orders/orders-repository';
import { orderDocument, type ReceivedPayment } from './invoices-service';

export function* pgIssueOrganisationInvoice(unit: PgUnit, order: Order, campaignName: string, operator: Seller, now: Date) {
  const existing = yield* unit.query('inv_existing', `SELECT 1 FROM invoices WHERE order_id = $1 AND kind = 'invoice' LIMIT 1`, [order.id]);
  if (existing.rows.length > 0) return;
  const year = Number(parisDate(now).slice(0, 4));
  const counter = yield* unit.query<{ seq: number }>(
    'inv_next_number',
    `INSERT INTO invoice_counters (kind, year, last_seq) VALUES ('invoice', $1, 1)
     ON CONFLICT (kind, year) DO UPDATE SET last_seq = invoice_counters.last_seq + 1 RETURNING last_seq AS seq`,
    [year],
  );
  const seq = Number(counter.rows[0]!.seq);
  const number = formatInvoiceNumber(year, seq);
  // The invoice sums vouchers by face value; the bonus line carries the bonus decided at payment.
  const items = (yield* unit.query<{ amountCents: number; quantity: number; bonus: number }>(
    'inv_items_by_value',
    `SELECT amount_cents AS "amountCents", SUM(quantity)::bigint AS quantity, bonus FROM order_items WHERE order_id = $1 GROUP BY amount_cents, bonus`,
    [order.id],
  )).rows
    .map((i) => ({ ...i, quantity: Number(i.quantity), amountCents: i.bonus ? order.bonusCents : i.amountCents }))
    .filter((i) => i.amountCents > 0);
  const payments = (yield* unit.query<ReceivedPayment>(
    'inv_received_payments',
    `SELECT p.amount_cents AS "amountCents", p.received_at AS "receivedAt" FROM payments p JOIN journals j ON j.id = p.journal_id
      WHERE p.order_id = $1 AND j.kind <> 'payment_suspense'`,
    [order.id],
  )).rows;
  // The invoice names the buyer as typed for this order, not the organisation's row.
  const document = orderDocument({ order, buyer: orderBuyer(order)!, items, campaignName, operator, payments }, { proforma: false, number, now });
  yield* unit.query(
    'inv_insert',
    `INSERT INTO invoices (id, kind, number, year, seq, order_id, credits_invoice_id, total_cents, issued_at, document)
     VALUES ($1, 'invoice', $2, $3, $4, $5, NULL, $6, $7, $8)`,
    [newId(), number, year, seq, order.id, order.totalCents, now.toISOString(), JSON.stringify(document)],
  );
}
