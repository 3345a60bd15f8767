/**
 * Refund events from the payment provider (Stripe `refund.updated`, `refund.failed`,
 * `charge.refund.updated`): the word that settles a refund Stripe answered `pending`.
 * Each event carries the refund as it stands, so a replay or an older event meets the
 * refund's own state and changes nothing twice.
 */
import type { ProviderEvent } from '../../payments/payment-provider';
import { audit } from '../audit/audit-log';
import { Accounts } from '../ledger/accounts';
import { postJournal } from '../ledger/ledger-repository';
import { findOrder, updateOrder } from './orders-repository';
import { findRefund, findRefundByProviderRef, updateRefund } from './refunds-repository';
import { settleRefund, type RefundDeps } from './refunds-service';

export type RefundEventOutcome = 'applied' | 'pending' | 'ignored' | 'review';

export function applyRefundEvent(deps: Pick<RefundDeps, 'database' | 'clock' | 'logger'>, event: ProviderEvent & { refund: NonNullable<ProviderEvent['refund']> }): RefundEventOutcome {
  const r = event.refund;
  const db = deps.database.db;
  const refund = (r.refundId ? findRefund(db, r.refundId) : undefined) ?? findRefundByProviderRef(db, event.provider, r.ref);
  if (!refund) return 'ignored';
  if (refund.status === 'pending') {
    const settled = settleRefund(deps, refund.id, r);
    deps.logger.info({ eventId: event.id, refundId: refund.id, status: settled.status }, 'refund event applied');
    return settled.status === 'pending' ? 'pending' : 'applied';
  }
  if (refund.status === 'succeeded' && (r.status === 'failed' || r.status === 'canceled')) return failedAfterBooking(deps, refund.id, r.failureReason ?? r.status);
  return 'ignored';
}

/**
 * A refund already booked as succeeded that Stripe later reports failed: the money came back
 * to the Stripe balance but the vouchers are cancelled. It is parked in payments_suspense and
 * the order is put up for review (the operator reissues the value or refunds again); the
 * refund row says failed so the page never shows money that did not reach the buyer.
 */
function failedAfterBooking(deps: Pick<RefundDeps, 'database' | 'clock' | 'logger'>, refundId: string, detail: string): RefundEventOutcome {
  return deps.database.transaction((tx) => {
    const now = deps.clock.now();
    const refund = findRefund(tx, refundId)!;
    if (refund.status !== 'succeeded') return 'ignored';
    postJournal(tx, {
      kind: 'order_refund_failed',
      description: `Refund ${refund.providerRef} failed after it was booked`,
      orderId: refund.orderId,
      lines: [
        { account: Accounts.paymentsClearing(refund.provider), amountCents: refund.amountCents },
        { account: Accounts.paymentsSuspense, amountCents: -refund.amountCents },
      ],
    }, now);
    updateRefund(tx, refund.id, { status: 'failed', failureReason: detail.slice(0, 200), settledAt: now.toISOString() });
    const order = findOrder(tx, refund.orderId)!;
    // The buyer did not get it back: the order no longer counts it as refunded.
    updateOrder(tx, order.id, { reviewReason: 'refund_failed', refundedCents: order.refundedCents - refund.amountCents, ...(order.status === 'refunded' ? { status: 'paid' as const } : {}) });
    audit(tx, { actor: 'provider:stripe', action: 'order_refund_failed', entityType: 'order', entityId: refund.orderId, before: { status: 'succeeded' }, after: { refundId, amountCents: refund.amountCents, detail }, reason: refund.reason }, now);
    deps.logger.error({ refundId, orderId: refund.orderId, amountCents: refund.amountCents }, 'a booked refund failed: parked for review');
    return 'review';
  });
}
