/**
 * A confirmed payment and a cancelled checkout, as steps (db/unit-of-work.ts) over the
 * payment store: the one source of the card-payment money path, driven by runSync inside
 * BEGIN IMMEDIATE on SQLite (orders-service.ts keeps its synchronous functions on top) and
 * by runAsync in a READ COMMITTED unit of work on PostgreSQL (payment-events-postgres.ts).
 */
import { RunAgain, type Step } from '../../../db/unit-of-work';
import type { Seller } from '../../invoices/invoice-document';
import type { Clock } from '../../lib/clock';
import { newId } from '../../lib/ids';
import type { Logger } from '../../lib/logger';
import { releaseBonusSteps, useBonusSteps } from '../campaigns/bonus-steps';
import { Accounts, type JournalLine } from '../ledger/accounts';
import { postJournalSteps } from '../ledger/journal-store';
import { checkPayment } from './order';
import { issueOrderSteps, saleLines } from './order-issuance';
import type { Order } from './orders-repository';
import type { PaymentStore } from './payment-store';

/** A payment the provider (or the bank) confirmed for an order. */
export interface ConfirmedPayment {
  orderId: string;
  provider: string;
  providerRef: string;
  amountCents: number;
  currency: string;
}

export type ConfirmOutcome = 'issued' | 'already_recorded' | 'already_paid' | 'refunded' | 'amount_mismatch' | 'currency_mismatch' | 'order_not_found';

export interface ConfirmDeps {
  clock: Clock;
  logger: Logger;
  operator?: Seller;
}

/**
 * Records a confirmed payment and issues the order's vouchers, in the caller's unit of work.
 * The order row is read locked (SQLite: the write lock; PostgreSQL: FOR UPDATE), so however
 * many deliveries race, only the first finds it unpaid. Payment, journal, vouchers, issue
 * movements, progress and the buyer's email are one atomic step.
 */
export function* confirmPaymentSteps(store: PaymentStore, deps: ConfirmDeps, p: ConfirmedPayment): Step<ConfirmOutcome> {
  const now = deps.clock.now();
  const order = yield* store.orderForUpdate(p.orderId);
  if (!order) return 'order_not_found';
  const check = checkPayment(order, p);
  if (!check.ok) {
    if (check.reason === 'amount_mismatch' || check.reason === 'currency_mismatch') yield* holdMismatchedPayment(store, deps, order, p, check.reason, now);
    return check.reason;
  }
  // One payment per provider reference: a payment already held in suspense is not counted twice.
  if (yield* store.paymentExists(p.provider, p.providerRef)) return 'already_recorded';
  const sold = yield* useBonusSteps(store, order);
  const journalId = yield* recordPaymentSteps(store, sold, p, { kind: 'voucher_sale', lines: saleLines(sold, Accounts.paymentsClearing(p.provider)), description: `Order ${order.reference} paid` }, now);
  yield* store.updateOrder(order.id, { paidCents: p.amountCents });
  yield* issueOrderSteps(store, deps, sold, journalId, `payment:${p.provider}`, now);
  // Money-moving event with no operator behind it: the provider is the actor.
  yield* store.audit({ actor: `provider:${p.provider}`, action: 'order_payment_confirmed', entityType: 'order', entityId: order.id, before: { status: order.status, paidCents: order.paidCents }, after: { status: 'paid', paidCents: p.amountCents, providerRef: p.providerRef } }, now);
  return 'issued';
}

/**
 * Money arrived that does not match the order: no voucher is issued, the order is flagged
 * for review, and — when it is in euros — the amount is booked to a suspense account so
 * every euro received stays accounted for until an operator refunds or matches it.
 */
function* holdMismatchedPayment(store: PaymentStore, deps: Pick<ConfirmDeps, 'logger'>, order: Order, p: ConfirmedPayment, reason: string, now: Date): Step<void> {
  deps.logger.error({ orderId: order.id, expected: order.totalCents, got: p.amountCents, currency: p.currency }, 'payment does not match order');
  yield* store.updateOrder(order.id, { reviewReason: reason });
  if (reason !== 'amount_mismatch' || !Number.isSafeInteger(p.amountCents) || p.amountCents <= 0) return;
  if (yield* store.paymentExists(p.provider, p.providerRef)) return;
  const lines = [
    { account: Accounts.paymentsClearing(p.provider), amountCents: p.amountCents },
    { account: Accounts.paymentsSuspense, amountCents: -p.amountCents },
  ];
  yield* recordPaymentSteps(store, order, p, { kind: 'payment_suspense', lines, description: `Unmatched payment for order ${order.reference}` }, now);
  // Reached once per provider reference (paymentExists above), so a redelivery adds no entry.
  yield* store.audit({ actor: `provider:${p.provider}`, action: 'order_payment_suspense', entityType: 'order', entityId: order.id, before: { status: order.status, paidCents: order.paidCents }, after: { status: order.status, suspenseCents: p.amountCents, expectedCents: order.totalCents, providerRef: p.providerRef }, reason }, now);
}

/**
 * Money received: the payment row (unique per provider reference) and its journal
 * (clearing debited by what arrived). Returns the journal id. A reference taken meanwhile by
 * a concurrent unit of work (PostgreSQL) sends this one round again, where the lookup finds it.
 */
export function* recordPaymentSteps(
  store: PaymentStore, order: Order, p: Pick<ConfirmedPayment, 'provider' | 'providerRef' | 'amountCents'>,
  entry: { kind: string; lines: JournalLine[]; description: string }, now: Date, receivedAt = now,
): Step<string> {
  const journalId = yield* postJournalSteps(store, { kind: entry.kind, description: `${entry.description} (${p.provider} ${p.providerRef})`, orderId: order.id, lines: entry.lines }, now);
  const inserted = yield* store.insertPayment({ id: newId(), orderId: order.id, provider: p.provider, providerRef: p.providerRef, amountCents: p.amountCents, receivedAt: receivedAt.toISOString(), journalId });
  if (!inserted) throw new RunAgain(`payment ${p.provider} ${p.providerRef} recorded concurrently`);
  return journalId;
}

/**
 * Cancels a still-unpaid order (payment failed, checkout expired or never created, or an
 * organisation's order the operator cancels). One that received part of its transfers is
 * not cancelled: that money must be refunded first.
 */
export function* cancelOrderSteps(store: PaymentStore, now: Date, orderId: string, reason: string): Step<boolean> {
  const order = yield* store.orderForUpdate(orderId);
  if (!order || order.status !== 'pending_payment' || order.paidCents > 0) return false;
  yield* releaseBonusSteps(store, order);
  yield* store.updateOrder(orderId, { status: 'cancelled', cancelReason: reason, cancelledAt: now.toISOString() });
  return true;
}
