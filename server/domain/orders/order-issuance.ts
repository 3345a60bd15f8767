import type { Tx } from '../../../db/client';
import type { Seller } from '../../invoices/invoice-document';
import { generateCode } from '../../lib/codes';
import { newId } from '../../lib/ids';
import { enqueueMessage } from '../../mail/outbox-repository';
import { addToCampaignTotals, findCampaignById } from '../campaigns/campaigns-repository';
import { issueInvoiceTx } from '../invoices/invoices-service';
import { Accounts, type JournalLine } from '../ledger/accounts';
import { orderBuyer } from './buyer-snapshot';
import { expiryFor } from '../vouchers/voucher';
import { issueVouchers } from '../vouchers/voucher-ledger';
import { vouchersToIssue } from './order';
import { listOrderItems, updateOrder, type Order } from './orders-repository';

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
 * Issues every voucher of a paid order in the caller's transaction (all or nothing, even
 * for 10 000 vouchers): vouchers and issue movements, progress, status, the invoice for an
 * organisation, the buyer's email and one email per beneficiary with an address.
 */
export function issueOrderTx(tx: Tx, deps: { operator?: Seller }, order: Order, journalId: string, actor: string, now: Date): void {
  const campaign = findCampaignById(tx, order.campaignId)!;
  // The bonus line carries the bonus decided at payment (it may have shrunk if the order
  // was paid after being cancelled): none when it came to 0.
  const items = listOrderItems(tx, order.id)
    .map((i) => (i.bonus ? { ...i, amountCents: order.bonusCents } : i))
    .filter((i) => i.amountCents > 0);
  const expiresAt = expiryFor(now, campaign.validityDays).toISOString();
  const issued = vouchersToIssue(items).map((v) => ({ ...v, id: newId(), code: generateCode(), campaignId: campaign.id, orderId: order.id, issuedAt: now.toISOString(), expiresAt }));
  issueVouchers(tx, issued, { journalId, actor, at: now });
  // Sold = face value of every voucher issued, bonus included (check-ledger counts issue
  // movements); bonus_used_cents tells the sponsor's share apart.
  addToCampaignTotals(tx, campaign.id, { soldCents: faceValueCents(order) + order.bonusCents });
  const paidAt = now.toISOString();
  updateOrder(tx, order.id, { status: 'paid', paidAt, cancelReason: null, cancelledAt: null });
  // The invoice names the buyer as typed for this order, not the organisation's row.
  const buyer = order.organisationId ? orderBuyer(order) : undefined;
  if (buyer) {
    // Individuals' orders (the demo history among them) need no operator identity; invoices do.
    if (!deps.operator) throw new Error('issuing an organisation order needs the operator identity');
    issueInvoiceTx(tx, { order: { ...order, status: 'paid', paidAt }, buyer, items, campaignName: campaign.name, operator: deps.operator }, now);
    enqueueMessage(tx, { kind: 'org_order_paid', recipient: order.buyerEmail, payload: { orderId: order.id } }, now);
    for (const v of issued) if (v.recipientEmail) enqueueMessage(tx, { kind: 'beneficiary_voucher', recipient: v.recipientEmail, payload: { voucherId: v.id } }, now);
  } else {
    enqueueMessage(tx, { kind: 'order_vouchers', recipient: order.buyerEmail, payload: { orderId: order.id } }, now);
  }
}
