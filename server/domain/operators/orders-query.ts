import { and, count, desc, eq, sql, type Column, type SQL } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { campaigns, invoices, orders, payments, vouchers } from '../../../db/schema/index';
import type { Order } from '../orders/orders-repository';

export const ORDER_STATUSES = ['pending_payment', 'paid', 'cancelled', 'refunded'] as const;
export const PAYMENT_METHODS = ['card', 'bank_transfer'] as const;

export interface OrderSearch {
  /** Part of the reference (with or without dashes), transfer reference, buyer name or email, organisation. */
  q?: string;
  status?: (typeof ORDER_STATUSES)[number];
  paymentMethod?: (typeof PAYMENT_METHODS)[number];
  page: number;
  perPage: number;
}

export type OrderRow = Pick<Order, 'id' | 'reference' | 'status' | 'buyerType' | 'buyerName' | 'buyerEmail' | 'organisation' | 'paymentMethod' | 'totalCents' | 'paidCents' | 'reviewReason' | 'createdAt'> & { campaignName: string };

// instr() rather than LIKE: what the operator types is matched literally (no % or _ wildcards to escape).
const contains = (column: SQL | Column, needle: string) => sql`instr(lower(coalesce(${column}, '')), ${needle}) > 0`;

function where(s: OrderSearch): SQL | undefined {
  const parts: SQL[] = [];
  const q = s.q?.trim().toLowerCase();
  if (q) {
    const compact = q.replace(/[\s-]/g, '');
    parts.push(
      sql`(${contains(orders.reference, q)} OR ${contains(sql`replace(${orders.reference}, '-', '')`, compact)} OR ${contains(orders.transferReference, compact)}
        OR ${contains(orders.buyerName, q)} OR ${contains(orders.buyerEmail, q)} OR ${contains(orders.organisation, q)})`,
    );
  }
  if (s.status) parts.push(eq(orders.status, s.status));
  if (s.paymentMethod) parts.push(eq(orders.paymentMethod, s.paymentMethod));
  return parts.length ? and(...parts) : undefined;
}

/** One page of orders, newest first, and how many match in all (for the pager). */
export function searchOrders(tx: Tx, s: OrderSearch): { rows: OrderRow[]; total: number } {
  const filter = where(s);
  const total = tx.select({ n: count() }).from(orders).where(filter).get()!.n;
  const rows = tx
    .select({
      id: orders.id, reference: orders.reference, status: orders.status, buyerType: orders.buyerType, buyerName: orders.buyerName, buyerEmail: orders.buyerEmail,
      organisation: orders.organisation, paymentMethod: orders.paymentMethod, totalCents: orders.totalCents, paidCents: orders.paidCents,
      reviewReason: orders.reviewReason, createdAt: orders.createdAt, campaignName: campaigns.name,
    })
    .from(orders)
    .innerJoin(campaigns, eq(campaigns.id, orders.campaignId))
    .where(filter)
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(s.perPage)
    .offset((s.page - 1) * s.perPage)
    .all();
  return { rows, total };
}

/** Money received for an order (transfers with their bank references, or the card payment). */
export function listOrderPayments(tx: Tx, orderId: string) {
  return tx.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(payments.receivedAt, payments.id).all();
}

/** How many of the order's vouchers are in each stored status. */
export function orderVoucherCounts(tx: Tx, orderId: string): { status: string; n: number }[] {
  return tx.select({ status: vouchers.status, n: count() }).from(vouchers).where(eq(vouchers.orderId, orderId)).groupBy(vouchers.status).all();
}

export function orderInvoiceNumber(tx: Tx, orderId: string): string | undefined {
  return tx.select({ number: invoices.number }).from(invoices).where(and(eq(invoices.orderId, orderId), eq(invoices.kind, 'invoice'))).get()?.number;
}

/** The home page's to-do counts: transfers awaited, orders flagged for review. */
export function orderWorkload(tx: Tx): { awaitingTransfer: number; toReview: number } {
  const awaitingTransfer = tx.select({ n: count() }).from(orders).where(and(eq(orders.status, 'pending_payment'), eq(orders.paymentMethod, 'bank_transfer'))).get()!.n;
  const toReview = tx.select({ n: count() }).from(orders).where(sql`${orders.reviewReason} IS NOT NULL`).get()!.n;
  return { awaitingTransfer, toReview };
}
