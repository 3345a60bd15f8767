import type { Tx } from '../../../db/client';
import type { Seller } from '../../invoices/invoice-document';
import { generateCode } from '../../lib/codes';
import { newId } from '../../lib/ids';
import { runSync, type Step } from '../../../db/unit-of-work';
import { Accounts, type JournalLine } from '../ledger/accounts';
import { orderBuyer } from './buyer-snapshot';
import { expiryFor } from '../vouchers/voucher';
import { issueVouchersSteps } from '../vouchers/voucher-ledger';
import { vouchersToIssue } from './order';
import type { Order, OrderItem } from './orders-repository';
import type { PaymentStore } from './payment-store';
import { sqlitePaymentStore } from './payment-store-sqlite';

/** Face value of the vouchers: what the buyer pays minus the service fee and its VAT. */
export const faceValueCents = (o: Pick<Order, 'totalCents' | 'feeCents' | 'feeVatCents'>) => o.totalCents - o.feeCents - o.feeVatCents;

/**
 * The sale: `from` (money received, or the customer's advances) debited by the total;
 * the vouchers' face value is owed to holders, the fee is revenue, its VAT owed to the state.
 */
export function saleLines(order: Order, from: string): JournalLine[] {
  const lines: JournalLine[] = [
    { account: from, amountCents: order.totalCents },
    { account: Accounts.voucherLiability, amountCents: -faceValueCents(order) },
  ];
  if (order.feeCents) lines.push({ account: Accounts.serviceFeeRevenue, amountCents: -order.feeCents });
  if (order.feeVatCents) lines.push({ account: Accounts.vatCollected, amountCents: -order.feeVatCents });
  // The sponsor's bonus is a separate source: the sponsor owes it, the holder may spend it.
  if (order.bonusCents > 0) {
    lines.push({ account: Accounts.sponsorBonusReceivable(order.campaignId), amountCents: order.bonusCents });
    lines.push({ account: Accounts.voucherLiability, amountCents: -order.bonusCents });
  }
  return lines;
}

/**
 * Vouchers issued per transaction. One voucher costs ~0.15 ms (code, two prepared inserts,
 * its beneficiary’s email): 100 keep a slice near 15 ms, well under the 100 ms the event
 * loop may be held, and the till's writes wait at most one slice for the lock.
 */
export const ISSUE_SLICE = 100;

/** Vouchers `from` … `from + count - 1` (as vouchersToIssue numbers them) of lines that know how many come before them. */
function vouchersInRange(items: (OrderItem & { before: number })[], from: number, count: number) {
  return items.flatMap((item) => {
    const first = Math.max(0, from - item.before);
    const end = Math.min(item.quantity, from + count - item.before);
    return vouchersToIssue([{ ...item, quantity: Math.max(0, end - first) }]);
  });
}

/**
 * Turns a paid order into vouchers, in the caller's transaction (the payment's): the order
 * becomes `paid` at once (a replayed payment finds it paid), the organisation's invoice is
 * issued, and the first slice of vouchers is issued. An order of up to ISSUE_SLICE vouchers
 * is thus complete when the payment commits, as before. A bigger one keeps its issuing
 * state (journal, next index, value not yet issued) and its remaining slices are issued by
 * `finishIssuing`, each in its own short transaction; if the process dies in between, any
 * process resumes it (`resumeIssuing`). The value not yet issued stays owed in the books
 * (check-ledger counts it), and refunds and documents wait until the order is complete.
 */
export function issueOrderTx(tx: Tx, deps: { operator?: Seller }, order: Order, journalId: string, actor: string, now: Date): void {
  runSync(issueOrderSteps(sqlitePaymentStore(tx), deps, order, journalId, actor, now));
}

/** issueOrderTx as steps (db/unit-of-work.ts), for the card payment on either backend. */
export function* issueOrderSteps(store: PaymentStore, deps: { operator?: Seller }, order: Order, journalId: string, actor: string, now: Date): Step<void> {
  const campaign = (yield* store.campaign(order.campaignId))!;
  const paidAt = now.toISOString();
  const total = faceValueCents(order) + order.bonusCents;
  yield* store.updateOrder(order.id, { status: 'paid', paidAt, cancelReason: null, cancelledAt: null, issueJournalId: journalId, issueActor: actor, issueNext: 0, issueRemainingCents: total });
  if (order.organisationId && orderBuyer(order)) {
    // Individuals' orders (the demo history among them) need no operator identity; invoices do.
    if (!deps.operator) throw new Error('issuing an organisation order needs the operator identity');
    yield* store.issueOrganisationInvoice({ ...order, status: 'paid', paidAt }, campaign.name, deps.operator, now);
  }
  yield* issueSliceSteps(store, order.id, now);
}

/**
 * Issues the next slice of a paid order's vouchers in the caller's transaction, from the
 * state re-read there (so two processes resuming the same order issue each voucher once:
 * the second finds the index moved on). The last slice clears the state and queues the
 * buyer's email. Returns true when nothing is left to issue.
 */
export function issueSliceTx(tx: Tx, orderId: string, now: Date): boolean {
  return runSync(issueSliceSteps(sqlitePaymentStore(tx), orderId, now));
}

/**
 * issueSliceTx as steps. The order is read locked (PostgreSQL: FOR UPDATE), so two processes
 * finishing the same order queue on its row and the second reads the index the first moved.
 */
export function* issueSliceSteps(store: PaymentStore, orderId: string, now: Date): Step<boolean> {
  const order = yield* store.orderForUpdate(orderId);
  if (!order?.issueJournalId) return true;
  const campaign = (yield* store.campaign(order.campaignId))!;
  // The bonus line carries the bonus decided at payment (it may have shrunk if the order
  // was paid after being cancelled): none when it came to 0.
  const items = (yield* store.itemsForVouchers(order.id, order.issueNext, ISSUE_SLICE, order.bonusCents > 0))
    .map((i) => (i.bonus ? { ...i, amountCents: order.bonusCents } : i));
  const slice = vouchersInRange(items, order.issueNext, ISSUE_SLICE);
  // Every slice dates its vouchers from the payment, as one transaction would have.
  const paidAt = new Date(order.paidAt!);
  const expiresAt = expiryFor(paidAt, campaign.validityDays).toISOString();
  const issued = slice.map((v) => ({ ...v, id: newId(), code: generateCode(), campaignId: campaign.id, orderId: order.id, issuedAt: paidAt.toISOString(), expiresAt }));
  const value = issued.reduce((sum, v) => sum + v.amountCents, 0);
  const left = order.issueRemainingCents - value;
  if (issued.length === 0 || left < 0) throw new Error(`order ${order.reference}: ${order.issueRemainingCents} cents left to issue from voucher ${order.issueNext}, found ${issued.length} vouchers of ${value}`);
  yield* issueVouchersSteps(store, issued, { journalId: order.issueJournalId, actor: order.issueActor ?? 'system', at: now });
  // Sold = face value of every voucher issued, bonus included (check-ledger counts issue
  // movements); bonus_used_cents tells the sponsor's share apart.
  yield* store.addSold(campaign.id, value);
  const mails = issued.filter((v) => v.recipientEmail).map((v) => ({ kind: 'beneficiary_voucher', recipient: v.recipientEmail!, payload: { voucherId: v.id } }));
  if (order.organisationId && mails.length > 0) yield* store.enqueue(mails, now);
  const done = left === 0;
  yield* store.updateOrder(order.id, done ? { issueJournalId: null, issueActor: null, issueNext: 0, issueRemainingCents: 0 } : { issueNext: order.issueNext + issued.length, issueRemainingCents: left });
  if (done) {
    const kind = order.organisationId ? 'org_order_paid' : 'order_vouchers';
    yield* store.enqueue([{ kind, recipient: order.buyerEmail, payload: { orderId: order.id } }], now);
  }
  return done;
}
