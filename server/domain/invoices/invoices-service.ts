import { and, eq, ne } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { invoices, journals, payments } from '../../../db/schema/index';
import { computeTotals, type Buyer, type InvoiceDocument, type InvoiceLine, type Seller } from '../../invoices/invoice-document';
import { addDays, parisDate } from '../../lib/paris-time';
import type { Order, OrderItem } from '../orders/orders-repository';
import type { OrderBuyer } from '../orders/buyer-snapshot';
import { done, runSync } from '../../../db/unit-of-work';
import { nextInSequence } from './invoice-numbers';
import { issueInvoiceSteps, type InvoiceStore } from './invoice-store';

export type Invoice = typeof invoices.$inferSelect;
export const SERVICE_FEE_VAT_BP = 2000;
const PAYMENT_DAYS = 30;

export interface InvoiceSource {
  order: Order;
  /** The buyer as typed for this order (`orderBuyer`), never the organisation's current row. */
  buyer: OrderBuyer;
  /** Only face value and quantity are read: lines summed by value will do. */
  items: Pick<OrderItem, 'amountCents' | 'quantity'>[];
  campaignName: string;
  operator: Seller;
  /** The money received for the order (an invoice's paid amount and date come from it). */
  payments?: ReceivedPayment[];
}

export interface ReceivedPayment {
  amountCents: number;
  /** When the money arrived: the transfer's received date as recorded, the card payment's confirmation. */
  receivedAt: string;
}

/**
 * When an order was paid in full and how much of it was paid: payments taken in the order
 * they were received (not recorded), the one that brings the sum to the total dates it.
 * A transfer recorded on the 10th but received on the 3rd pays on the 3rd. What arrived
 * beyond the total (an overpayment, refunded apart) is not on the invoice.
 */
export function paidInFull(received: readonly ReceivedPayment[], totalCents: number): { paidCents: number; paidAt: string } | undefined {
  let sum = 0;
  const byArrival = [...received].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  for (const p of byArrival) {
    sum += p.amountCents;
    if (sum >= totalCents) return { paidCents: totalCents, paidAt: p.receivedAt };
  }
  return undefined;
}

/** The payments booked for an order, without those held in suspense (an amount that did not match). */
export function receivedPayments(tx: Tx, orderId: string): ReceivedPayment[] {
  return tx
    .select({ amountCents: payments.amountCents, receivedAt: payments.receivedAt })
    .from(payments)
    .innerJoin(journals, eq(journals.id, payments.journalId))
    .where(and(eq(payments.orderId, orderId), ne(journals.kind, 'payment_suspense')))
    .all();
}

function buyerOf(org: OrderBuyer, order: Order): Buyer {
  const base = {
    name: org.name,
    address: { lines: org.streetLines, postcode: org.postalCode, city: org.city, countryCode: 'FR' },
    siret: org.siret,
    ...(org.vatNumber ? { vatNumber: org.vatNumber } : {}),
    contact: { name: org.contactName, email: org.contactEmail, ...(order.contactPhone ? { phone: order.contactPhone } : {}) },
    ...(order.purchaseOrder ? { purchaseOrderReference: order.purchaseOrder } : {}),
  };
  return org.kind === 'municipality' ? { kind: 'public', ...base, ...(order.serviceCode ? { serviceCode: order.serviceCode } : {}) } : { kind: 'company', ...base };
}

/** Voucher lines grouped by face value (a CSV of 1 000 beneficiaries is a few lines), then the fee. */
function linesOf(src: InvoiceSource): InvoiceLine[] {
  const byValue = new Map<number, number>();
  for (const it of src.items) byValue.set(it.amountCents, (byValue.get(it.amountCents) ?? 0) + it.quantity);
  const lines: InvoiceLine[] = [...byValue].sort((a, b) => a[0] - b[0]).map(([faceValueCents, quantity]) => ({ kind: 'voucher', campaignName: src.campaignName, faceValueCents, quantity }));
  if (src.order.feeCents > 0) lines.push({ kind: 'service_fee', quantity: 1, unitCents: src.order.feeCents, vatRateBp: SERVICE_FEE_VAT_BP });
  return lines;
}

/** The invoice's « acquittée » part: paid amount (BT-113) and the Paris day the payment completing it was received. */
function paidPart(src: InvoiceSource): Pick<InvoiceDocument, 'paidDate' | 'paidCents'> {
  const paid = src.payments && paidInFull(src.payments, src.order.totalCents);
  if (paid) return { paidDate: parisDate(new Date(paid.paidAt)), paidCents: paid.paidCents };
  // Issued only once paid: without the payment rows, the order's own stamp is the best date.
  return src.order.paidAt ? { paidDate: parisDate(new Date(src.order.paidAt)), paidCents: src.order.totalCents } : {};
}

/**
 * The document for an order: a pro-forma before payment (no number; it carries the IBAN
 * and the transfer reference), the invoice once paid (what was paid, 0 to pay, and the day
 * the money arrived). Its total must be the order's total to the cent — the order's fee VAT
 * is computed with the same rule (vatOn).
 */
export function orderDocument(src: InvoiceSource, opts: { proforma: boolean; number: string | null; now: Date }): InvoiceDocument {
  const issueDate = parisDate(opts.now);
  const doc: InvoiceDocument = {
    proforma: opts.proforma,
    number: opts.number,
    orderReference: src.order.reference,
    issueDate,
    dueDate: opts.proforma ? addDays(issueDate, PAYMENT_DAYS) : issueDate,
    currency: 'EUR',
    seller: src.operator,
    buyer: buyerOf(src.buyer, src.order),
    lines: linesOf(src),
    latePenaltyPoints: src.buyer.kind === 'municipality' ? 8 : 10,
    transferReference: src.order.transferReference ?? src.order.reference,
    ...(opts.proforma ? {} : paidPart(src)),
  };
  const total = computeTotals(doc.lines).grossCents;
  if (total !== src.order.totalCents) throw new Error(`invoice total ${total} ≠ order total ${src.order.totalCents} for ${src.order.reference}`);
  return doc;
}

/** issueInvoiceSteps (invoice-store.ts) in the caller's SQLite transaction (BEGIN IMMEDIATE). */
export function issueInvoiceTx(tx: Tx, src: InvoiceSource, now: Date): Invoice {
  return runSync(issueInvoiceSteps(sqliteInvoiceStore(tx), src, now));
}

export function sqliteInvoiceStore(tx: Tx): InvoiceStore {
  return {
    // BEGIN IMMEDIATE holds the whole file.
    lockOrderForInvoice: () => done(undefined),
    orderInvoice: (orderId) => done(findOrderInvoice(tx, orderId)),
    nextInSequence: (kind, year) => done(nextInSequence(tx, kind, year)),
    receivedPayments: (orderId) => done(receivedPayments(tx, orderId)),
    insertInvoice: (invoice) => done(void tx.insert(invoices).values(invoice).run()),
  };
}

export function findOrderInvoice(tx: Tx, orderId: string): Invoice | undefined {
  return tx.select().from(invoices).where(and(eq(invoices.orderId, orderId), eq(invoices.kind, 'invoice'))).get();
}

export const invoiceDocument = (invoice: Invoice): InvoiceDocument => JSON.parse(invoice.document) as InvoiceDocument;
