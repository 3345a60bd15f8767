/**
 * Issuing an order's invoice, written once as steps over an InvoiceStore (SQLite: the
 * repositories inside BEGIN IMMEDIATE, invoices-service.ts; PostgreSQL: invoice-store-pg.ts).
 * Gap-free numbering on both: the year's counter row is incremented in the unit that
 * writes the invoice, so a rollback gives the number back, and the row stays locked until
 * the unit ends (SQLite: the file's write lock; PostgreSQL: the row lock the UPDATE of
 * `ON CONFLICT DO UPDATE` takes), so a second issuer waits and takes the next number.
 */
import type { Step } from '../../../db/unit-of-work';
import { formatInvoiceNumber } from '../../invoices/invoice-document';
import { newId } from '../../lib/ids';
import { parisDate } from '../../lib/paris-time';
import type { SequenceKind } from './invoice-numbers';
import { orderDocument, type Invoice, type InvoiceSource, type ReceivedPayment } from './invoices-service';

export interface InvoiceStore {
  /**
   * The order's row locked until the unit ends (PostgreSQL: FOR UPDATE; SQLite: the write
   * lock holds already): two issuers of one order queue, the second finds the first's invoice.
   */
  lockOrderForInvoice(orderId: string): Step<void>;
  orderInvoice(orderId: string): Step<Invoice | undefined>;
  /** The next number of a yearly sequence, its counter row locked until the unit ends. */
  nextInSequence(kind: SequenceKind, year: number): Step<number>;
  /** The payments booked for the order, without those held in suspense. */
  receivedPayments(orderId: string): Step<ReceivedPayment[]>;
  insertInvoice(invoice: Invoice): Step<void>;
}

/** Issues the order's invoice once (a second call returns the first), number and row in the caller's unit of work. */
export function* issueInvoiceSteps(store: InvoiceStore, src: InvoiceSource, now: Date): Step<Invoice> {
  yield* store.lockOrderForInvoice(src.order.id);
  const existing = yield* store.orderInvoice(src.order.id);
  if (existing) return existing;
  const year = Number(parisDate(now).slice(0, 4));
  const seq = yield* store.nextInSequence('invoice', year);
  const number = formatInvoiceNumber(year, seq);
  const payments = src.payments ?? (yield* store.receivedPayments(src.order.id));
  const document = orderDocument({ ...src, payments }, { proforma: false, number, now });
  const invoice: Invoice = {
    id: newId(),
    kind: 'invoice',
    number,
    year,
    seq,
    orderId: src.order.id,
    creditsInvoiceId: null,
    totalCents: src.order.totalCents,
    issuedAt: now.toISOString(),
    document: JSON.stringify(document),
  };
  yield* store.insertInvoice(invoice);
  return invoice;
}
