/**
 * The card-payment path's store on SQLite (see payment-store.ts): today's repositories, each
 * step resolved at once, inside the caller's BEGIN IMMEDIATE transaction — the file's write
 * lock serialises every writer, so "for update" reads are plain reads here.
 */
import type Database from 'better-sqlite3';
import { sqliteOf, type Tx } from '../../../db/client';
import { done } from '../../../db/unit-of-work';
import { enqueueMessages } from '../../mail/outbox-repository';
import { audit } from '../audit/audit-log';
import { buyerBonusCents, moveBonus } from '../campaigns/bonus-repository';
import { addToCampaignTotals, findCampaignById } from '../campaigns/campaigns-repository';
import { issueInvoiceTx } from '../invoices/invoices-service';
import { sqliteJournalStore } from '../ledger/ledger-repository';
import { sqliteLedgerStore } from '../vouchers/voucher-ledger-repository';
import { orderBuyer } from './buyer-snapshot';
import {
  findOrder, findOrderByCheckoutRef, findPayment, insertPayment, orderItemsByValue, orderItemsForVouchers, recordProviderEvent, updateOrder,
} from './orders-repository';
import type { PaymentStore } from './payment-store';

const stores = new WeakMap<Database.Database, PaymentStore>();

/** Made once per connection (like the ledger's store); valid inside its transactions only. */
export function sqlitePaymentStore(tx: Tx): PaymentStore {
  const sqlite = sqliteOf(tx);
  let store = stores.get(sqlite);
  if (store) return store;
  store = {
    ...sqliteLedgerStore(tx),
    ...sqliteJournalStore(tx),
    recordProviderEvent: (e, now) => done(recordProviderEvent(tx, e, now)),
    orderIdByCheckoutRef: (ref) => done(findOrderByCheckoutRef(tx, ref)?.id),
    orderForUpdate: (id) => done(findOrder(tx, id)),
    paymentExists: (provider, ref) => done(findPayment(tx, provider, ref) !== undefined),
    // Under the write lock the lookup before it has already seen any earlier payment.
    insertPayment: (p) => done((insertPayment(tx, p), true)),
    updateOrder: (id, patch) => done(updateOrder(tx, id, patch)),
    campaign: (id) => done(findCampaignById(tx, id)),
    moveBonus: (campaignId, reserved, used) => done(moveBonus(tx, campaignId, reserved, used)),
    buyerBonusCents: (campaignId, email) => done(buyerBonusCents(tx, campaignId, email)),
    addSold: (campaignId, cents) => done(addToCampaignTotals(tx, campaignId, { soldCents: cents })),
    itemsForVouchers: (orderId, from, count, withBonus) => done(orderItemsForVouchers(tx, orderId, from, count, withBonus)),
    issueOrganisationInvoice: (order, campaignName, operator, now) => {
      // The invoice sums vouchers by face value; the bonus line carries the bonus decided at payment.
      const items = orderItemsByValue(tx, order.id)
        .map((i) => (i.bonus ? { ...i, amountCents: order.bonusCents } : i))
        .filter((i) => i.amountCents > 0);
      // The invoice names the buyer as typed for this order, not the organisation's row.
      issueInvoiceTx(tx, { order, buyer: orderBuyer(order)!, items, campaignName, operator }, now);
      return done(undefined);
    },
    enqueue: (list, now) => done(enqueueMessages(tx, list, now)),
    audit: (e, now) => done(audit(tx, e, now)),
  };
  stores.set(sqlite, store);
  return store;
}
