import type { Database_, Tx } from '../../../db/client';
import type { PgDatabase } from '../../../db/postgres-pool';
import { pgUnitOfWork, type PgUnit } from '../../../db/pg-write-behind';
import { done, runAsync, runSync, type Step } from '../../../db/unit-of-work';
import type { Seller } from '../../invoices/invoice-document';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { parisDate, startOfParisDay } from '../../lib/paris-time';
import { useBonusSteps } from '../campaigns/bonus-steps';
import { Accounts } from '../ledger/accounts';
import { postJournalSteps } from '../ledger/journal-store';
import { issueOrderSteps, saleLines } from './order-issuance';
import { finishIssuing } from './finish-issuing';
import { findOrder, findPayment, type Order } from './orders-repository';
import { recordPaymentSteps } from './payment-confirmation';
import { finishIssuingPostgres } from './payment-events-postgres';
import type { PaymentStore } from './payment-store';
import { pgPaymentStore } from './payment-store-pg';
import { sqlitePaymentStore } from './payment-store-sqlite';

export const BANK_TRANSFER = 'bank_transfer';

export interface BankTransferInput {
  orderId: string;
  amountCents: number;
  /** The bank's reference of the credit (unique per transfer): what makes recording idempotent. */
  reference: string;
  /** When the bank received it (its value date), now by default: the paid date of the invoice. */
  receivedAt?: Date;
  actor: string;
}

export interface TransferOutcome {
  order: Order;
  /** The same bank reference was recorded before: nothing changed. */
  replayed: boolean;
  /** This transfer completed the payment: the vouchers were issued. */
  issued: boolean;
  remainingCents: number;
  overpaidCents: number;
}

/** What recording a transfer asks of the database: the card payment's store, plus the payment under a bank reference. */
export interface TransferStore extends PaymentStore {
  payment(provider: string, providerRef: string): Step<{ orderId: string; amountCents: number } | undefined>;
}

export interface TransferDeps {
  database: Database_;
  /** The PostgreSQL pool when the app runs there: the same steps run in its READ COMMITTED units of work. */
  pg?: PgDatabase | null;
  clock: Clock;
  operator: Seller;
}

const sqliteTransferStore = (tx: Tx): TransferStore => ({ ...sqlitePaymentStore(tx), payment: (provider, ref) => done(findPayment(tx, provider, ref)) });
const pgTransferStore = (unit: PgUnit): TransferStore => ({
  ...pgPaymentStore(unit),
  *payment(provider, ref) {
    const r = yield* unit.query<{ orderId: string; amountCents: number }>(
      'transfer_payment_by_ref', `SELECT order_id AS "orderId", amount_cents AS "amountCents" FROM payments WHERE provider = $1 AND provider_ref = $2`, [provider, ref],
    );
    return r.rows[0];
  },
});

/**
 * Records a bank transfer received for an order, in one unit of work (SQLite: BEGIN
 * IMMEDIATE; PostgreSQL: READ COMMITTED with the order's row locked FOR UPDATE first, so two
 * operators recording transfers for one order queue there), then issues what is left of a
 * large order, see below.
 * Every transfer is booked as the customer's advance; the one that completes the total
 * turns the advances into the sale and issues the vouchers (all or nothing). Partial
 * payments leave the order pending with what remains to pay; an overpayment stays on the
 * customer's advances and flags the order for a refund. The bank reference is unique:
 * recording it again returns the first result, a different amount under it is refused
 * (on PostgreSQL a reference taken concurrently for another order runs the unit again, which
 * then finds it: payment-confirmation.ts recordPaymentSteps).
 */
export async function recordBankTransfer(deps: TransferDeps, input: BankTransferInput): Promise<TransferOutcome> {
  if (deps.pg) {
    const pgdb = deps.pg;
    const out = await recordTransferIssuingFirstSlicePostgres(pgdb, deps, input);
    if (!out.issued) return out;
    await finishIssuingPostgres(pgdb, deps, input.orderId);
    const order = await pgUnitOfWork(pgdb, (unit) => runAsync(pgPaymentStore(unit).orderForUpdate(input.orderId)));
    return { ...out, order: order! };
  }
  const out = recordTransferIssuingFirstSlice(deps, input);
  if (!out.issued) return out;
  // A large order's remaining vouchers, slice by slice with the event loop free between.
  await finishIssuing(deps, input.orderId);
  return { ...out, order: findOrder(deps.database.db, input.orderId)! };
}

/**
 * recordBankTransfer's transaction alone (SQLite): when the transfer completes the order, only
 * the first slice of its vouchers is issued (order-issuance.ts) and the order is left for
 * `finishIssuing` — what a process that stopped right after the commit leaves behind.
 */
export function recordTransferIssuingFirstSlice(deps: Omit<TransferDeps, 'pg'>, input: BankTransferInput): TransferOutcome {
  return deps.database.transaction((tx) => runSync(recordTransferSteps(sqliteTransferStore(tx), deps, input)));
}

/** recordTransferIssuingFirstSlice on PostgreSQL: one READ COMMITTED unit of work, the order's row locked first. */
export function recordTransferIssuingFirstSlicePostgres(pg: PgDatabase, deps: Pick<TransferDeps, 'clock' | 'operator'>, input: BankTransferInput): Promise<TransferOutcome> {
  return pgUnitOfWork(pg, (unit) => runAsync(recordTransferSteps(pgTransferStore(unit), deps, input)));
}

/** The transfer's decisions, once for both backends. */
function* recordTransferSteps(store: TransferStore, deps: Pick<TransferDeps, 'clock' | 'operator'>, input: BankTransferInput): Step<TransferOutcome> {
  const now = deps.clock.now();
  // The invoice is dated « acquittée » on this day: money cannot have arrived tomorrow.
  if (input.receivedAt && input.receivedAt.getTime() > now.getTime()) throw new AppError('VALIDATION_FAILED', 422, 'errors.validation_failed', { receivedAt: 'operator.errors.received_future' });
  const order = yield* store.orderForUpdate(input.orderId);
  if (!order) throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
  // Nor before the order existed: the transfer quotes its reference (compared by Paris day,
  // as the operator's form gives a day). A year-1 date would reach the paid invoice and the FEC.
  if (input.receivedAt && input.receivedAt.getTime() < startOfParisDay(parisDate(new Date(order.createdAt))).getTime()) {
    throw new AppError('VALIDATION_FAILED', 422, 'errors.validation_failed', { receivedAt: 'operator.errors.received_before_order' });
  }
  const prior = yield* store.payment(BANK_TRANSFER, input.reference);
  if (prior) {
    if (prior.orderId !== order.id || prior.amountCents !== input.amountCents) throw new AppError('PAYMENT_REFERENCE_REUSED', 409, 'errors.payment_reference_reused');
    return outcome(order, true, false);
  }
  if (order.paymentMethod !== 'bank_transfer') throw new AppError('ORDER_NOT_BANK_TRANSFER', 409, 'errors.order_not_bank_transfer');
  if (order.status === 'cancelled' || order.status === 'refunded') throw new AppError('ORDER_CANCELLED', 409, 'errors.order_cancelled');

  const received = { provider: BANK_TRANSFER, providerRef: input.reference, amountCents: input.amountCents };
  const lines = [
    { account: Accounts.paymentsClearing(BANK_TRANSFER), amountCents: input.amountCents },
    { account: Accounts.customerAdvances, amountCents: -input.amountCents },
  ];
  yield* recordPaymentSteps(store, order, received, { kind: 'bank_transfer_received', lines, description: `Transfer for order ${order.reference}` }, now, input.receivedAt ?? now);
  const paidCents = order.paidCents + input.amountCents;
  const overpaid = paidCents > order.totalCents;
  yield* store.updateOrder(order.id, { paidCents, ...(overpaid ? { reviewReason: 'overpaid' } : {}) });
  let issued = false;
  if (order.status === 'pending_payment' && paidCents >= order.totalCents) {
    const sold = yield* useBonusSteps(store, order);
    const journalId = yield* postJournalSteps(store, { kind: 'voucher_sale', description: `Order ${order.reference} paid by transfer`, orderId: order.id, lines: saleLines(sold, Accounts.customerAdvances) }, now);
    yield* issueOrderSteps(store, deps, { ...sold, paidCents }, journalId, input.actor, now);
    issued = true;
  }
  const after = (yield* store.orderForUpdate(order.id))!;
  yield* store.audit({ actor: input.actor, action: 'order_transfer_recorded', entityType: 'order', entityId: order.id, before: { status: order.status, paidCents: order.paidCents }, after: { status: after.status, paidCents: after.paidCents, reference: input.reference, amountCents: input.amountCents } }, now);
  return outcome(after, false, issued);
}

function outcome(order: Order, replayed: boolean, issued: boolean): TransferOutcome {
  return { order, replayed, issued, ...transferBalance(order) };
}

/** What a transfer order still owes, or was paid beyond its total (one of them is 0). */
export function transferBalance(order: Pick<Order, 'totalCents' | 'paidCents'>): { remainingCents: number; overpaidCents: number } {
  const owed = order.totalCents - order.paidCents;
  return { remainingCents: Math.max(0, owed), overpaidCents: Math.max(0, -owed) };
}

/** Where and under which reference the buyer pays a transfer order: the operator's account. */
export function transferDetails(order: Pick<Order, 'transferReference'>, operator: Pick<Seller, 'iban' | 'bic' | 'legalName'>) {
  return { reference: order.transferReference, iban: operator.iban, bic: operator.bic, beneficiary: operator.legalName };
}
