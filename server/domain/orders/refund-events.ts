/**
 * Refund events from the payment provider (Stripe `refund.updated`, `refund.failed`,
 * `charge.refund.updated`): the word that settles a refund Stripe answered `pending`.
 * Each event carries the refund as it stands, so a replay or an older event meets the
 * refund's own state and changes nothing twice.
 */
import type { ProviderEvent } from '../../payments/payment-provider';
import { audit } from '../audit/audit-log';
import { journalLinesOf, postJournal } from '../ledger/ledger-repository';
import { generateCode } from '../../lib/codes';
import { issueVouchers, replacementFor } from '../vouchers/voucher-ledger';
import { findOrder, updateOrder } from './orders-repository';
import { cancelledByJournal, findRefund, findRefundByProviderRef, updateRefund } from './refunds-repository';
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
 * to our Stripe balance, so the books and the buyer's vouchers are restored. The refund's
 * journal is reversed line by line (liability, provider clearing, the sponsor's receivable,
 * any suspense), and each voucher it cancelled gets a replacement carrying the balance the
 * refund took — a cancelled code stays cancelled (final), and, as after a reissue, its claim
 * (a late void included) follows the replacement. Same value, issue date and expiry: the
 * restoration never extends validity. The order stays up for review (`refund_failed`) so the
 * operator tells the buyer the new codes, which its order page lists; the refund row says
 * failed so no page shows money that did not reach the buyer.
 */
function failedAfterBooking(deps: Pick<RefundDeps, 'database' | 'clock' | 'logger'>, refundId: string, detail: string): RefundEventOutcome {
  return deps.database.transaction((tx) => {
    const now = deps.clock.now();
    const refund = findRefund(tx, refundId)!;
    if (refund.status !== 'succeeded' || !refund.journalId) return 'ignored';
    const journalId = postJournal(tx, {
      kind: 'order_refund_failed',
      description: `Refund ${refund.providerRef} failed after it was booked`,
      orderId: refund.orderId,
      lines: journalLinesOf(tx, refund.journalId).map((l) => ({ account: l.account, amountCents: -l.amountCents })),
    }, now);
    const actor = `refund:${refund.id}`;
    const replacements = cancelledByJournal(tx, refund.journalId).map(({ voucher, cents }) => replacementFor(voucher, generateCode(), cents));
    const restored = issueVouchers(tx, replacements, { journalId, actor, at: now, reason: 'refund failed after it was booked' });
    updateRefund(tx, refund.id, { status: 'failed', failureReason: detail.slice(0, 200), settledAt: now.toISOString() });
    const order = findOrder(tx, refund.orderId)!;
    // The buyer did not get it back: the order no longer counts it as refunded.
    updateOrder(tx, order.id, { reviewReason: 'refund_failed', refundedCents: order.refundedCents - refund.amountCents, ...(order.status === 'refunded' ? { status: 'paid' as const } : {}) });
    audit(tx, {
      actor: 'provider:stripe', action: 'order_refund_failed', entityType: 'order', entityId: refund.orderId, before: { status: 'succeeded' },
      after: { refundId, amountCents: refund.amountCents, detail, restored: restored.map((v) => ({ replaces: v.reissuedFrom, code: v.code, balanceCents: v.balanceCents })) }, reason: refund.reason,
    }, now);
    deps.logger.error({ refundId, orderId: refund.orderId, amountCents: refund.amountCents, vouchers: restored.length }, 'a booked refund failed: vouchers and books restored, order up for review');
    return 'review';
  });
}
