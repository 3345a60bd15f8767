import { audit } from '../audit/audit-log';
import type { Database_ } from '../../../db/client';
import type { Seller } from '../../invoices/invoice-document';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { parisDate, startOfParisDay } from '../../lib/paris-time';
import { Accounts } from '../ledger/accounts';
import { postJournal } from '../ledger/ledger-repository';
import { useBonusTx } from '../campaigns/bonus-repository';
import { issueOrderTx, saleLines } from './order-issuance';
import { finishIssuing } from './finish-issuing';
import { findOrder, findPayment, updateOrder, type Order } from './orders-repository';
import { recordPayment } from './orders-service';

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

/**
 * Records a bank transfer received for an order, in one BEGIN IMMEDIATE transaction (then
 * issues what is left of a large order, see below).
 * Every transfer is booked as the customer's advance; the one that completes the total
 * turns the advances into the sale and issues the vouchers (all or nothing). Partial
 * payments leave the order pending with what remains to pay; an overpayment stays on the
 * customer's advances and flags the order for a refund. The bank reference is unique:
 * recording it again returns the first result, a different amount under it is refused.
 */
export async function recordBankTransfer(deps: { database: Database_; clock: Clock; operator: Seller }, input: BankTransferInput): Promise<TransferOutcome> {
  const out = recordTransferIssuingFirstSlice(deps, input);
  if (!out.issued) return out;
  // A large order's remaining vouchers, slice by slice with the event loop free between.
  await finishIssuing(deps, input.orderId);
  return { ...out, order: findOrder(deps.database.db, input.orderId)! };
}

/**
 * recordBankTransfer's transaction alone: when the transfer completes the order, only the
 * first slice of its vouchers is issued (order-issuance.ts) and the order is left for
 * `finishIssuing` — what a process that stopped right after the commit leaves behind.
 */
export function recordTransferIssuingFirstSlice(deps: { database: Database_; clock: Clock; operator: Seller }, input: BankTransferInput): TransferOutcome {
  return deps.database.transaction((tx) => {
    const now = deps.clock.now();
    // The invoice is dated « acquittée » on this day: money cannot have arrived tomorrow.
    if (input.receivedAt && input.receivedAt.getTime() > now.getTime()) throw new AppError('VALIDATION_FAILED', 422, 'errors.validation_failed', { receivedAt: 'operator.errors.received_future' });
    const order = findOrder(tx, input.orderId);
    if (!order) throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
    // Nor before the order existed: the transfer quotes its reference (compared by Paris day,
    // as the operator's form gives a day). A year-1 date would reach the paid invoice and the FEC.
    if (input.receivedAt && input.receivedAt.getTime() < startOfParisDay(parisDate(new Date(order.createdAt))).getTime()) {
      throw new AppError('VALIDATION_FAILED', 422, 'errors.validation_failed', { receivedAt: 'operator.errors.received_before_order' });
    }
    const prior = findPayment(tx, BANK_TRANSFER, input.reference);
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
    recordPayment(tx, order, received, { kind: 'bank_transfer_received', lines, description: `Transfer for order ${order.reference}` }, now, input.receivedAt ?? now);
    const paidCents = order.paidCents + input.amountCents;
    const overpaid = paidCents > order.totalCents;
    updateOrder(tx, order.id, { paidCents, ...(overpaid ? { reviewReason: 'overpaid' } : {}) });
    let issued = false;
    if (order.status === 'pending_payment' && paidCents >= order.totalCents) {
      const sold = useBonusTx(tx, order);
      const journalId = postJournal(tx, { kind: 'voucher_sale', description: `Order ${order.reference} paid by transfer`, orderId: order.id, lines: saleLines(sold, Accounts.customerAdvances) }, now);
      issueOrderTx(tx, deps, { ...sold, paidCents }, journalId, input.actor, now);
      issued = true;
    }
    const after = findOrder(tx, order.id)!;
    audit(tx, { actor: input.actor, action: 'order_transfer_recorded', entityType: 'order', entityId: order.id, before: { status: order.status, paidCents: order.paidCents }, after: { status: after.status, paidCents: after.paidCents, reference: input.reference, amountCents: input.amountCents } }, now);
    return outcome(after, false, issued);
  });
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
