/**
 * The refund paths' store on SQLite (see refund-store.ts): the repository statements of
 * refunds-repository.ts and orders-repository.ts, each step resolved at once, inside the
 * caller's BEGIN IMMEDIATE — the file's write lock serialises every writer, so the "for
 * update" reads are plain reads here.
 */
import type { Tx } from '../../../db/client';
import { done } from '../../../db/unit-of-work';
import { audit } from '../audit/audit-log';
import { journalLinesOf, sqliteJournalStore } from '../ledger/ledger-repository';
import { sqliteLedgerStore } from '../vouchers/voucher-ledger-repository';
import { findOrder, updateOrder } from './orders-repository';
import type { RefundStore } from './refund-store';
import { cancelledByJournal, cardPayment, findRefund, findRefundByProviderRef, insertRefund, orderVouchers, pendingRefund, updateRefund } from './refunds-repository';

export function sqliteRefundStore(tx: Tx): RefundStore {
  return {
    ...sqliteLedgerStore(tx),
    ...sqliteJournalStore(tx),
    orderForUpdate: (id) => done(findOrder(tx, id)),
    updateOrder: (id, patch) => done(updateOrder(tx, id, patch)),
    refund: (id) => done(findRefund(tx, id)),
    refundByProviderRef: (provider, ref) => done(findRefundByProviderRef(tx, provider, ref)),
    pendingRefund: (orderId) => done(pendingRefund(tx, orderId)),
    insertRefund: (r) => done(insertRefund(tx, r)),
    updateRefund: (id, patch) => done(updateRefund(tx, id, patch)),
    cardPayment: (orderId) => done(cardPayment(tx, orderId)),
    orderVouchersForUpdate: (orderId) => done(orderVouchers(tx, orderId)),
    journalLines: (journalId) => done(journalLinesOf(tx, journalId)),
    cancelledByJournal: (journalId) => done(cancelledByJournal(tx, journalId)),
    audit: (e, now) => done(audit(tx, e, now)),
  };
}
