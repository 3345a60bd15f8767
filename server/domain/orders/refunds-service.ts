/**
 * Refunding the unused vouchers of a paid card order through the payment provider.
 *
 * Scope: what is left on each buyer-paid voucher that is active or blocked and not past
 * its validity (a partly used voucher refunds its balance; spent, expired and cancelled
 * ones refund nothing). The sponsor's bonus voucher is never refunded: whatever is left
 * on it is cancelled, and the sponsor no longer owes that part.
 *
 * Three steps, because no network call may run inside a transaction:
 * 1. `beginRefund` (transaction): re-reads the order, computes the amount, writes a
 *    `pending` refund row (our id is the provider's idempotency key) and holds the vouchers
 *    (blocked, `block_reason` = refund:<id>) so the till cannot spend what is being refunded;
 * 2. the provider call, outside any transaction: first a look-up of the refund our id made
 *    (Stripe prunes idempotency keys after 24 h, so the key alone cannot stop a second
 *    refund days later), then the creation keyed by our id when there is none;
 * 3. the provider's word, booked in a transaction:
 *    - `succeeded` → `completeRefund`: vouchers cancelled (`cancel` movements), one
 *      `order_refund` journal, orders.refunded_cents, audit;
 *    - `pending` → `recordPendingRefund`: the provider's id noted, nothing booked, the
 *      vouchers stay held until a refund event (refund-events.ts) settles it;
 *    - `failed`/`canceled` (or a definite refusal) → `failRefund`: vouchers back as they
 *      were; nothing was booked, so the books need no reversal.
 * A crash between 2 and 3 leaves the row pending: the next attempt on the order resumes
 * it with the same id, finds the refund already made and books it.
 */
import type { Database_ } from '../../../db/client';
import type { PgDatabase } from '../../../db/postgres-pool';
import { pgUnitOfWork } from '../../../db/pg-write-behind';
import { pgRefundStore as pgRefundStoreOf } from './refund-store-pg';
import { sqliteUnits, type Units } from '../../../db/store-units';
import { runAsync, type Step } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { AppError, assertNever } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Logger } from '../../lib/logger';
import type { PaymentProvider, ProviderRefund } from '../../payments/payment-provider';
import { Accounts, type JournalLine } from '../ledger/accounts';
import { postJournalSteps } from '../ledger/journal-store';
import { changeVoucherSteps } from '../vouchers/voucher-ledger';
import type { Order } from './orders-repository';
import type { RefundStore } from './refund-store';
import { sqliteRefundStore } from './refund-store-sqlite';
import { holdTag, isHeldBy, releasedState, type OrderVoucher, type Refund } from './refunds-repository';

/**
 * Where the refund units run: the SQLite database (each unit one BEGIN IMMEDIATE, its value
 * returned synchronously) or a PostgreSQL pool (each unit one READ COMMITTED transaction,
 * retried on a deadlock; a promise). PostgreSQL wins when both are given (the app on
 * PostgreSQL keeps a `database` that refuses to be used).
 */
export type RefundBackend = { database?: Database_; pg?: PgDatabase | null };
export type RefundUnits = Units<RefundStore>;

export function refundUnits(on: RefundBackend): RefundUnits {
  if (on.pg) {
    const pg = on.pg;
    return (work) => pgUnitOfWork(pg, (unit) => runAsync(work(pgRefundStoreOf(unit))));
  }
  if (!on.database) throw new Error('refunds need a database');
  return sqliteUnits(on.database, sqliteRefundStore);
}

export interface RefundDeps extends RefundBackend {
  clock: Clock;
  payments: PaymentProvider;
  logger: Logger;
}

export interface RefundInput {
  orderId: string;
  actor: string;
  reason: string;
}

const refused = (code: string, key: string, status = 409) => new AppError(code, status, key);

/** Buyer-paid vouchers whose balance a refund would give back now. */
export function refundableVouchers(list: OrderVoucher[], now: Date): OrderVoucher[] {
  return list.filter((v) => !v.bonus && (v.status === 'active' || v.status === 'blocked') && v.balanceCents > 0 && new Date(v.expiresAt) >= now);
}

/** Why an order cannot be refunded, or null (used by the page to show or hide the form). */
export function refundRefusal(order: Pick<Order, 'paymentMethod' | 'status' | 'issueJournalId'>): string | null {
  if (order.paymentMethod !== 'card') return 'bonus.refund.errors.not_card';
  if (order.status !== 'paid') return 'bonus.refund.errors.not_paid';
  if (order.issueJournalId) return 'errors.order_issuing';
  return null;
}

/** What the form offers, from rows already read (the order page's reads, either backend): 0 when nothing is refundable or a refund is under way (`pending`). */
export function refundableCentsOf(order: Pick<Order, 'paymentMethod' | 'status' | 'issueJournalId'>, pending: boolean, list: OrderVoucher[], now: Date): number {
  if (refundRefusal(order) || pending) return 0;
  return refundableVouchers(list, now).reduce((s, v) => s + v.balanceCents, 0);
}

/** Phase 1, as steps: the order locked, then its vouchers; returns the pending refund (a new one, or the one a crash left behind). */
export function* beginRefundSteps(s: RefundStore, now: Date, input: RefundInput): Step<Refund> {
  const reason = input.reason.trim();
  const order = yield* s.orderForUpdate(input.orderId);
  if (!order) throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
  if (order.paymentMethod !== 'card') throw refused('REFUND_NOT_CARD', 'bonus.refund.errors.not_card');
  const resumed = yield* s.pendingRefund(order.id);
  if (resumed) return resumed;
  if (order.status !== 'paid') throw refused('REFUND_NOT_PAID', 'bonus.refund.errors.not_paid');
  // Its vouchers are still being issued (a few seconds): what is refundable is not known yet.
  if (order.issueJournalId) throw new AppError('ORDER_ISSUING', 409, 'errors.order_issuing');
  const payment = yield* s.cardPayment(order.id);
  if (!payment) throw refused('REFUND_NO_PAYMENT', 'bonus.refund.errors.no_payment');
  const list = refundableVouchers(yield* s.orderVouchersForUpdate(order.id), now);
  const amountCents = list.reduce((sum, v) => sum + v.balanceCents, 0);
  if (amountCents <= 0) throw refused('NOTHING_TO_REFUND', 'bonus.refund.errors.nothing');
  const id = newId();
  // provider_ref is unique per provider: a placeholder until the provider names its refund.
  const refund: Refund = { id, orderId: order.id, provider: payment.provider, providerRef: `pending:${id}`, amountCents, status: 'pending', actor: input.actor, reason, journalId: null, failureReason: null, settledAt: null, createdAt: now.toISOString() };
  yield* s.insertRefund(refund);
  for (const v of list) yield* changeVoucherSteps(s, v.id, { op: 'hold', blockReason: holdTag(id, v) }, { actor: `refund:${id}`, at: now });
  yield* s.audit({ actor: input.actor, action: 'order_refund_requested', entityType: 'order', entityId: order.id, after: { refundId: id, amountCents, vouchers: list.length }, reason }, now);
  return refund;
}

/** A refund read after its order's row is locked: the latest word on it (see refund-store.ts). */
function* lockedRefund(s: RefundStore, refundId: string): Step<{ refund: Refund; order: Order }> {
  const found = yield* s.refund(refundId);
  if (!found) throw new Error(`no refund ${refundId}`);
  const order = (yield* s.orderForUpdate(found.orderId))!;
  return { refund: (yield* s.refund(refundId))!, order };
}

/** Stripe said `pending`: its id is noted, nothing is booked and the vouchers stay held. */
export function* recordPendingRefundSteps(s: RefundStore, now: Date, refundId: string, providerRef: string): Step<Refund> {
  const { refund } = yield* lockedRefund(s, refundId);
  if (refund.status !== 'pending' || refund.providerRef === providerRef) return refund;
  yield* s.updateRefund(refund.id, { providerRef });
  yield* s.audit({ actor: refund.actor, action: 'order_refund_pending', entityType: 'order', entityId: refund.orderId, after: { refundId, providerRef, amountCents: refund.amountCents }, reason: refund.reason }, now);
  return { ...refund, providerRef };
}

/** Phase 3: the provider refunded; books it once (a completed refund is returned as is). */
export function* completeRefundSteps(s: RefundStore, now: Date, logger: Logger, refundId: string, providerRef: string): Step<Refund> {
  const { refund, order } = yield* lockedRefund(s, refundId);
  if (refund.status !== 'pending') return refund;
  const all = yield* s.orderVouchersForUpdate(order.id);
  const held = all.filter((v) => isHeldBy(refund.id, v));
  const bonus = all.filter((v) => v.bonus && (v.status === 'active' || v.status === 'blocked') && v.balanceCents > 0);
  const heldCents = held.reduce((sum, v) => sum + v.balanceCents, 0);
  const bonusCents = bonus.reduce((sum, v) => sum + v.balanceCents, 0);
  const lines: JournalLine[] = [
    { account: Accounts.voucherLiability, amountCents: heldCents + bonusCents },
    { account: Accounts.paymentsClearing(refund.provider), amountCents: -refund.amountCents },
  ];
  if (bonusCents) lines.push({ account: Accounts.sponsorBonusReceivable(order.campaignId), amountCents: -bonusCents });
  // Held vouchers cannot be spent, so this is 0 unless support changed one meanwhile:
  // the difference is parked for review rather than lost.
  const gap = refund.amountCents - heldCents;
  if (gap) {
    lines.push({ account: Accounts.paymentsSuspense, amountCents: gap });
    logger.error({ refundId, orderId: order.id, refunded: refund.amountCents, cancelled: heldCents }, 'refund differs from the vouchers it cancels');
    yield* s.updateOrder(order.id, { reviewReason: 'refund_mismatch' });
  }
  const journalId = yield* postJournalSteps(s, { kind: 'order_refund', description: `Refund of order ${order.reference} (${refund.provider} ${providerRef})`, orderId: order.id, lines: lines.filter((l) => l.amountCents !== 0) }, now);
  // A `cancel` movement of the whole balance (next in the chain); the voucher is closed.
  for (const v of [...held, ...bonus]) {
    const reason = v.bonus ? 'bonus cancelled with refund' : refund.reason ?? 'refund';
    yield* changeVoucherSteps(s, v.id, { op: 'refund_cancel' }, { journalId, orderId: v.orderId, actor: `refund:${refund.id}`, reason, at: now });
  }
  const patch = { status: 'succeeded' as const, providerRef, journalId, settledAt: now.toISOString() };
  yield* s.updateRefund(refund.id, patch);
  const refundedCents = order.refundedCents + refund.amountCents;
  // « refunded » once everything the buyer paid came back; a partial refund stays « paid ».
  yield* s.updateOrder(order.id, { refundedCents, ...(refundedCents >= order.totalCents ? { status: 'refunded' as const } : {}) });
  yield* s.audit({ actor: refund.actor, action: 'order_refunded', entityType: 'order', entityId: order.id, before: { status: order.status, refundedCents: order.refundedCents }, after: { refundId, providerRef, amountCents: refund.amountCents, bonusCancelledCents: bonusCents, refundedCents }, reason: refund.reason }, now);
  return { ...refund, ...patch };
}

/**
 * The provider refused for good, or the refund failed or was canceled: the row says so and
 * the vouchers are back as they were. A pending refund booked nothing, so nothing is reversed.
 */
export function* failRefundSteps(s: RefundStore, now: Date, refundId: string, detail: string, outcome: { status?: 'failed' | 'canceled'; providerRef?: string } = {}): Step<Refund> {
  const { refund } = yield* lockedRefund(s, refundId);
  if (refund.status !== 'pending') return refund;
  const status = outcome.status ?? 'failed';
  for (const v of yield* s.orderVouchersForUpdate(refund.orderId)) {
    if (isHeldBy(refund.id, v)) yield* changeVoucherSteps(s, v.id, { op: 'release', restore: releasedState(refund.id, v) }, { actor: `refund:${refund.id}`, at: now });
  }
  const patch = { status, failureReason: detail.slice(0, 200), settledAt: now.toISOString(), ...(outcome.providerRef ? { providerRef: outcome.providerRef } : {}) };
  yield* s.updateRefund(refund.id, patch);
  yield* s.audit({ actor: refund.actor, action: status === 'canceled' ? 'order_refund_canceled' : 'order_refund_failed', entityType: 'order', entityId: refund.orderId, after: { refundId, amountCents: refund.amountCents, detail }, reason: refund.reason }, now);
  return { ...refund, ...patch };
}

/** Books the provider's answer about a pending refund (API answer or event); final states once. */
export function* settleRefundSteps(s: RefundStore, now: Date, logger: Logger, refundId: string, answer: ProviderRefund): Step<Refund> {
  switch (answer.status) {
    case 'succeeded':
      return yield* completeRefundSteps(s, now, logger, refundId, answer.ref);
    case 'pending':
      return yield* recordPendingRefundSteps(s, now, refundId, answer.ref);
    case 'failed':
    case 'canceled':
      return yield* failRefundSteps(s, now, refundId, answer.failureReason ?? `provider refund ${answer.ref} ${answer.status}`, { status: answer.status, providerRef: answer.ref });
    default:
      return assertNever(answer.status);
  }
}

/* The phases on SQLite, each one BEGIN IMMEDIATE (what the older callers and tests use). */
type SqliteDeps = { database: Database_; clock: Clock };
const onSqlite = (deps: SqliteDeps) => sqliteUnits(deps.database, sqliteRefundStore);
const requireReason = (reason: string) => {
  if (!reason.trim()) throw new AppError('VALIDATION_FAILED', 422, 'errors.validation_failed', { reason: 'errors.required' });
};

export function beginRefund(deps: SqliteDeps, input: RefundInput): Refund {
  requireReason(input.reason);
  return onSqlite(deps)((s) => beginRefundSteps(s, deps.clock.now(), input)) as Refund;
}
export const recordPendingRefund = (deps: SqliteDeps, refundId: string, providerRef: string): Refund =>
  onSqlite(deps)((s) => recordPendingRefundSteps(s, deps.clock.now(), refundId, providerRef)) as Refund;
export const completeRefund = (deps: SqliteDeps & { logger: Logger }, refundId: string, providerRef: string): Refund =>
  onSqlite(deps)((s) => completeRefundSteps(s, deps.clock.now(), deps.logger, refundId, providerRef)) as Refund;
export const failRefund = (deps: SqliteDeps, refundId: string, detail: string, outcome: { status?: 'failed' | 'canceled'; providerRef?: string } = {}): Refund =>
  onSqlite(deps)((s) => failRefundSteps(s, deps.clock.now(), refundId, detail, outcome)) as Refund;
export const settleRefund = (deps: SqliteDeps & { logger: Logger }, refundId: string, answer: ProviderRefund): Refund =>
  onSqlite(deps)((s) => settleRefundSteps(s, deps.clock.now(), deps.logger, refundId, answer)) as Refund;

/**
 * Phase 2 (outside any transaction): the refund an earlier attempt with this id made, else a
 * new one keyed by our id. The look-up comes first because an attempt whose answer was lost
 * may be retried after Stripe forgot the key; the key still covers a retry within the call.
 */
export async function callProvider(deps: Pick<RefundDeps, 'database' | 'pg' | 'payments'>, refund: Refund): Promise<ProviderRefund> {
  const payment = await refundUnits(deps)((s) => s.cardPayment(refund.orderId));
  if (!payment) throw refused('REFUND_NO_PAYMENT', 'bonus.refund.errors.no_payment');
  const found = await deps.payments.findRefund({ paymentRef: payment.providerRef, refundId: refund.id });
  return found ?? deps.payments.refund({ paymentRef: payment.providerRef, amountCents: refund.amountCents, idempotencyKey: refund.id });
}

/**
 * A definite refusal (Stripe 4xx: invalid request, amount above what is left, card
 * error). Anything else (network, 5xx) may have reached the provider: the row stays
 * pending and a retry with the same key settles it.
 */
function isDefiniteRefusal(err: unknown): boolean {
  const e = err as { statusCode?: number; status?: number; type?: string };
  if (err instanceof AppError) return err.status < 500;
  const status = e.statusCode ?? 0;
  return status >= 400 && status < 500 && status !== 409 && status !== 429;
}

/**
 * The whole use case on either backend (RefundBackend): phase 1, the provider, phase 3 (or
 * resumes a pending refund). Each phase is one unit of work; the provider call is in none.
 */
export async function refundUnusedVouchers(deps: RefundDeps, input: RefundInput): Promise<Refund> {
  requireReason(input.reason);
  const units = refundUnits(deps);
  const refund = await units((s) => beginRefundSteps(s, deps.clock.now(), input));
  let answer: ProviderRefund;
  try {
    answer = await callProvider(deps, refund);
  } catch (err) {
    const e = err as { message?: string; type?: string; statusCode?: number };
    deps.logger.error({ refundId: refund.id, orderId: refund.orderId, type: e.type, statusCode: e.statusCode, message: e.message }, 'refund call failed');
    if (isDefiniteRefusal(err)) {
      await units((s) => failRefundSteps(s, deps.clock.now(), refund.id, e.message ?? 'refused'));
      throw refused('REFUND_REFUSED', 'bonus.refund.errors.refused', 422);
    }
    throw refused('REFUND_PENDING', 'bonus.refund.errors.pending', 409);
  }
  const settled = await units((s) => settleRefundSteps(s, deps.clock.now(), deps.logger, refund.id, answer));
  if (settled.status === 'failed' || settled.status === 'canceled') throw refused('REFUND_REFUSED', 'bonus.refund.errors.refused', 422);
  return settled;
}
