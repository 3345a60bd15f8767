/**
 * Refund events from the payment provider (Stripe `refund.updated`, `refund.failed`,
 * `charge.refund.updated`): the word that settles a refund Stripe answered `pending`.
 * Each event carries the refund as it stands, so a replay or an older event meets the
 * refund's own state and changes nothing twice. One event is ONE unit of work (steps over a
 * RefundStore, refund-store.ts) on either backend: the refund found, its order's row locked,
 * the refund read again (a concurrent delivery that committed first is seen), then decided.
 */
import type { Step } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { generateCode } from '../../lib/codes';
import type { Logger } from '../../lib/logger';
import type { ProviderEvent } from '../../payments/payment-provider';
import { postJournalSteps } from '../ledger/journal-store';
import { issueVouchersSteps, replacementFor } from '../vouchers/voucher-ledger';
import type { Order } from './orders-repository';
import type { RefundStore } from './refund-store';
import type { Refund } from './refunds-repository';
import { refundUnits, settleRefundSteps, type RefundBackend } from './refunds-service';

export type RefundEventOutcome = 'applied' | 'pending' | 'ignored' | 'review';
export type RefundEvent = ProviderEvent & { refund: NonNullable<ProviderEvent['refund']> };
type EventDeps = { clock: Clock; logger: Logger };

interface Handled {
  outcome: RefundEventOutcome;
  refundId?: string;
  status?: string;
  restored?: { orderId: string; amountCents: number; vouchers: number };
}

/** One refund event on either backend (SQLite: synchronous; PostgreSQL: a promise). */
export function applyRefundEventOn(deps: EventDeps & RefundBackend, event: RefundEvent): RefundEventOutcome | Promise<RefundEventOutcome> {
  const handled = refundUnits(deps)((s) => refundEventSteps(s, deps, event));
  return handled instanceof Promise ? handled.then((h) => logged(deps.logger, event, h)) : logged(deps.logger, event, handled);
}

/** The SQLite app's call (synchronous, as before). */
export function applyRefundEvent(deps: EventDeps & { database: NonNullable<RefundBackend['database']> }, event: RefundEvent): RefundEventOutcome {
  return applyRefundEventOn({ clock: deps.clock, logger: deps.logger, database: deps.database }, event) as RefundEventOutcome;
}

function logged(logger: Logger, event: RefundEvent, h: Handled): RefundEventOutcome {
  if (h.restored) logger.error({ refundId: h.refundId, ...h.restored }, 'a booked refund failed: vouchers and books restored, order up for review');
  else if (h.status) logger.info({ eventId: event.id, refundId: h.refundId, status: h.status }, 'refund event applied');
  return h.outcome;
}

export function* refundEventSteps(s: RefundStore, deps: EventDeps, event: RefundEvent): Step<Handled> {
  const r = event.refund;
  const found = (r.refundId ? yield* s.refund(r.refundId) : undefined) ?? (yield* s.refundByProviderRef(event.provider, r.ref));
  if (!found) return { outcome: 'ignored' };
  const order = (yield* s.orderForUpdate(found.orderId))!;
  const refund = (yield* s.refund(found.id))!;
  const now = deps.clock.now();
  if (refund.status === 'pending') {
    const settled = yield* settleRefundSteps(s, now, deps.logger, refund.id, r);
    return { outcome: settled.status === 'pending' ? 'pending' : 'applied', refundId: refund.id, status: settled.status };
  }
  if (refund.status === 'succeeded' && (r.status === 'failed' || r.status === 'canceled')) {
    return yield* failedAfterBooking(s, now, refund, order, r.failureReason ?? r.status);
  }
  return { outcome: 'ignored' };
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
function* failedAfterBooking(
s: RefundStore, now: Date, refund: Refund, order: Order, detail: string): Step<Handled> {
  if (!refund.journalId) return { outcome: 'ignored' };
  const journalId = yield* postJournalSteps(s, {
    kind: 'order_refund_failed',
    description: `Refund ${refund.providerRef} failed after it was booked`,
    orderId: refund.orderId,
    lines: (yield* s.journalLines(refund.journalId)).map((l) => ({ account: l.account, amountCents: -l.amountCents })),
  }, now);
  const actor = `refund:${refund.id}`;
  const replacements = (yield* s.cancelledByJournal(refund.journalId)).map(({ voucher, cents }) => replacementFor(voucher, generateCode(), cents));
  const restored = yield* issueVouchersSteps(s, replacements, { journalId, actor, at: now, reason: 'refund failed after it was booked' });
  yield* s.updateRefund(refund.id, { status: 'failed', failureReason: detail.slice(0, 200), settledAt: now.toISOString() });
  // The buyer did not get it back: the order no longer counts it as refunded.
  yield* s.updateOrder(order.id, { reviewReason: 'refund_failed', refundedCents: order.refundedCents - refund.amountCents, ...(order.status === 'refunded' ? { status: 'paid' as const } : {}) });
  yield* s.audit({
    actor: 'provider:stripe', action: 'order_refund_failed', entityType: 'order', entityId: refund.orderId, before: { status: 'succeeded' },
    after: { refundId: refund.id, amountCents: refund.amountCents, detail, restored: restored.map((v) => ({ replaces: v.reissuedFrom, code: v.code, balanceCents: v.balanceCents })) }, reason: refund.reason,
  }, now);
  return { outcome: 'review', refundId: refund.id, restored: { orderId: refund.orderId, amountCents: refund.amountCents, vouchers: restored.length } };
}
