/**
 * The invoice store (invoice-store.ts) on PostgreSQL, over any query runner that yields steps:
 * a unit of work with held writes (db/pg-write-behind.ts `PgUnit.query`, which sends what is
 * held first) or a plain pooled connection (`pgQuerySteps`).
 */
import type pg from 'pg';
import { invoices } from '../../../db/schema/index';
import { preparedOn } from '../../../db/postgres';
import { awaited, type Step } from '../../../db/unit-of-work';
import { selectList } from '../orders/order-creation-store-pg';
import type { InvoiceStore } from './invoice-store';
import type { Invoice, ReceivedPayment } from './invoices-service';

export type QuerySteps = <R = Record<string, unknown>>(name: string, text: string, values: unknown[]) => Step<{ rows: R[]; rowCount: number }>;

/** A pooled connection's prepared statements as steps. */
export function pgQuerySteps(client: pg.ClientBase): QuerySteps {
  const q = preparedOn(client);
  return (name, text, values) => awaited(() => q(name, text, values));
}

const INVOICE = selectList(invoices);
const INSERT_KEYS = ['id', 'kind', 'number', 'year', 'seq', 'orderId', 'creditsInvoiceId', 'totalCents', 'issuedAt', 'document'] as const;

export function pgInvoiceStore(query: QuerySteps): InvoiceStore {
  return {
    *lockOrderForInvoice(orderId) {
      yield* query('invoice_lock_order', `SELECT 1 FROM orders WHERE id = $1 FOR UPDATE`, [orderId]);
    },
    *orderInvoice(orderId) {
      return (yield* query<Invoice>('invoice_of_order', `SELECT ${INVOICE} FROM invoices WHERE order_id = $1 AND kind = 'invoice' LIMIT 1`, [orderId])).rows[0];
    },
    *nextInSequence(kind, year) {
      // The counter's row is created by the first number of a year; a concurrent creator
      // waits on the unique key, then takes the DO UPDATE branch on the committed row.
      const r = yield* query<{ seq: number }>(
        'invoice_next_in_sequence',
        `INSERT INTO invoice_counters (kind, year, last_seq) VALUES ($1, $2, 1)
         ON CONFLICT (kind, year) DO UPDATE SET last_seq = invoice_counters.last_seq + 1 RETURNING last_seq AS seq`,
        [kind, year],
      );
      return r.rows[0]!.seq;
    },
    *receivedPayments(orderId) {
      // NOT EXISTS, not a join: the payment this unit just recorded has its journal row held to
      // the unit's end (db/pg-write-behind.ts), so a join left it out and the invoice was dated
      // by the order's stamp instead of the day the money arrived. A suspense payment never
      // issues an invoice in its own unit (payment-confirmation.ts), so its journal is committed.
      return (yield* query<ReceivedPayment>(
        'invoice_received_payments',
        `SELECT p.amount_cents AS "amountCents", p.received_at AS "receivedAt"
           FROM payments p
          WHERE p.order_id = $1 AND NOT EXISTS (SELECT 1 FROM journals j WHERE j.id = p.journal_id AND j.kind = 'payment_suspense')`,
        [orderId],
      )).rows;
    },
    *insertInvoice(invoice) {
      yield* query(
        'invoice_insert',
        `INSERT INTO invoices (id, kind, number, year, seq, order_id, credits_invoice_id, total_cents, issued_at, document) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        INSERT_KEYS.map((k) => invoice[k]),
      );
    },
  };
}
