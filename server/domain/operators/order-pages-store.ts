/**
 * What the back-office's order pages read (home workload, list, detail), as steps
 * (db/unit-of-work.ts) so the routes run on either backend: the SQLite store is the
 * existing queries (orders-query.ts, orders-repository.ts), the PostgreSQL one is
 * order-pages-store-pg.ts. Reads only: the runner is web/backend-units.ts `storeReads`.
 */
import type { Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import { findCampaignById } from '../campaigns/campaigns-repository';
import { findOrder, listOrderItems, type Order, type OrderItem } from '../orders/orders-repository';
import { listOrderRefunds, orderVouchers, type OrderVoucher, type Refund } from '../orders/refunds-repository';
import { refundRefusal } from '../orders/refunds-service';
import { listOrderPayments, orderInvoiceNumber, orderVoucherCounts, orderWorkload, searchOrders, type OrderRow, type OrderSearch } from './orders-query';

export interface OrderPayment {
  id: string;
  orderId: string;
  provider: string;
  providerRef: string;
  amountCents: number;
  receivedAt: string;
  journalId: string;
}

/** Everything the detail page shows besides the order itself. */
export interface OrderDetailReads {
  items: OrderItem[];
  invoiceNumber: string | undefined;
  vouchers: { status: string; n: number }[];
  campaignName: string;
  payments: OrderPayment[];
  /** The order's refunds, newest first (`created_at DESC, id DESC` on both backends). */
  refunds: Refund[];
  /** Its vouchers with their bonus flag, read only when the order could be refunded (else empty): what the refund form offers. */
  refundVouchers: OrderVoucher[];
}

/** What the detail read needs of the order: its ids, and what decides whether a refund is possible. */
export type OrderForDetail = Pick<Order, 'id' | 'campaignId' | 'paymentMethod' | 'status' | 'issueJournalId'>;

export interface OrderPagesStore {
  order(id: string): Step<Order | undefined>;
  search(s: OrderSearch): Step<{ rows: OrderRow[]; total: number }>;
  workload(): Step<{ awaitingTransfer: number; toReview: number }>;
  detail(order: OrderForDetail): Step<OrderDetailReads>;
}

export function sqliteOrderPagesStore(tx: Tx): OrderPagesStore {
  return {
    order: (id) => done(findOrder(tx, id)),
    search: (s) => done(searchOrders(tx, s)),
    workload: () => done(orderWorkload(tx)),
    detail: (order) =>
      done({
        items: listOrderItems(tx, order.id),
        invoiceNumber: orderInvoiceNumber(tx, order.id),
        vouchers: orderVoucherCounts(tx, order.id),
        campaignName: findCampaignById(tx, order.campaignId)?.name ?? '',
        payments: listOrderPayments(tx, order.id),
        refunds: listOrderRefunds(tx, order.id),
        refundVouchers: refundRefusal(order) ? [] : orderVouchers(tx, order.id),
      }),
  };
}
