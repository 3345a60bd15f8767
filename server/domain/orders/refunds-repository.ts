/**
 * Queries of the refund flow: refund rows, the order's card payment, its vouchers with
 * their bonus flag, and the voucher changes a refund makes (hold, release, cancel), all
 * made through the ledger writer (refunds-service.ts).
 */
import { and, asc, desc, eq, ne } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { movements, orderItems, payments, refunds, vouchers } from '../../../db/schema/index';
import type { Voucher } from '../vouchers/voucher';
import { refundHold } from '../vouchers/voucher-transitions';

export type Refund = typeof refunds.$inferSelect;
export type OrderVoucher = Voucher & { bonus: boolean };

export const findRefund = (tx: Tx, id: string): Refund | undefined => tx.select().from(refunds).where(eq(refunds.id, id)).get();

/** The refund the provider names `providerRef` (events that lack our id in metadata). */
export const findRefundByProviderRef = (tx: Tx, provider: string, providerRef: string): Refund | undefined =>
  tx.select().from(refunds).where(and(eq(refunds.provider, provider), eq(refunds.providerRef, providerRef))).get();

export const listOrderRefunds = (tx: Tx, orderId: string): Refund[] =>
  tx.select().from(refunds).where(eq(refunds.orderId, orderId)).orderBy(desc(refunds.createdAt), desc(refunds.id)).all();

export const pendingRefund = (tx: Tx, orderId: string): Refund | undefined =>
  tx.select().from(refunds).where(and(eq(refunds.orderId, orderId), eq(refunds.status, 'pending'))).get();

export function insertRefund(tx: Tx, r: Refund): void {
  tx.insert(refunds).values(r).run();
}

export function updateRefund(tx: Tx, id: string, patch: Partial<Refund>): void {
  tx.update(refunds).set(patch).where(eq(refunds.id, id)).run();
}

/** The provider payment of a card order (bank transfers are refunded by the operator's bank). */
export const cardPayment = (tx: Tx, orderId: string) =>
  tx.select().from(payments).where(and(eq(payments.orderId, orderId), ne(payments.provider, 'bank_transfer'))).orderBy(asc(payments.receivedAt)).get();

/** The order's vouchers (reissues included: they carry the claim of the voucher they replaced). */
export function orderVouchers(tx: Tx, orderId: string): OrderVoucher[] {
  return tx
    .select({ v: vouchers, bonus: orderItems.bonus })
    .from(vouchers)
    .innerJoin(orderItems, eq(orderItems.id, vouchers.orderItemId))
    .where(eq(vouchers.orderId, orderId))
    .orderBy(asc(vouchers.issuedAt), asc(vouchers.code))
    .all()
    .map((r) => ({ ...r.v, bonus: r.bonus === 1 }));
}

/**
 * The hold put on a voucher while its refund is with the provider, in `block_reason`, so
 * a failure can put back exactly what was there: `refund:<id>` for a voucher that was
 * active, `refund:<id>|<old reason>` for one already blocked.
 */
export const holdTag = (refundId: string, v: Pick<Voucher, 'status' | 'blockReason'>) => (v.status === 'blocked' ? `${refundHold(refundId)}|${v.blockReason ?? ''}` : refundHold(refundId));

export const isHeldBy = (refundId: string, v: Pick<Voucher, 'status' | 'blockReason'>) =>
  v.status === 'blocked' && (v.blockReason === refundHold(refundId) || !!v.blockReason?.startsWith(`${refundHold(refundId)}|`));

/** What a held voucher goes back to when its refund fails: active, or blocked as it was before. */
export function releasedState(refundId: string, v: Pick<Voucher, 'blockReason'>): { status: 'active' } | { status: 'blocked'; blockReason: string | null } {
  const old = v.blockReason === refundHold(refundId) ? null : v.blockReason!.slice(`${refundHold(refundId)}|`.length);
  return old === null ? { status: 'active' } : { status: 'blocked', blockReason: old || null };
}

/** The vouchers a booked refund cancelled, with what each cancel movement took (cents > 0). */
export function cancelledByJournal(tx: Tx, journalId: string): { voucher: Voucher; cents: number }[] {
  return tx
    .select({ voucher: vouchers, amountCents: movements.amountCents })
    .from(movements)
    .innerJoin(vouchers, eq(vouchers.id, movements.voucherId))
    .where(and(eq(movements.journalId, journalId), eq(movements.kind, 'cancel')))
    .orderBy(asc(vouchers.code))
    .all()
    .filter((r) => r.amountCents < 0)
    .map((r) => ({ voucher: r.voucher, cents: -r.amountCents }));
}
