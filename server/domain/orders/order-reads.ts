/**
 * What the buyer's and the operator's views of one order read (the API's order, its
 * documents), as steps over a store so one source serves both backends:
 * sqliteOrderReads (today's repositories) and pgOrderReads (order-reads-pg.ts).
 */
import { eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { orders } from '../../../db/schema/index';
import { done, type Step } from '../../../db/unit-of-work';
import { findCampaignById } from '../campaigns/campaigns-repository';
import type { Campaign } from '../campaigns/campaign';
import { findOrderInvoice, type Invoice } from '../invoices/invoices-service';
import type { Voucher } from '../vouchers/voucher';
import { listOrderVouchers } from '../vouchers/vouchers-repository';
import { findOrder, listOrderItems, type Order, type OrderItem } from './orders-repository';

export interface OrderReads {
  order(id: string): Step<Order | undefined>;
  campaign(id: string): Step<Campaign | undefined>;
  items(orderId: string): Step<OrderItem[]>;
  /** The order's vouchers, by issue time then code (the order page's and the API's order). */
  vouchers(orderId: string): Step<Voucher[]>;
  invoice(orderId: string): Step<Invoice | undefined>;
  /** The codes were handed out (sheets or CSV): from now on the organisation's page may show them. Written once. */
  markCodesExported(orderId: string, at: string): Step<void>;
}

export function sqliteOrderReads(tx: Tx): OrderReads {
  return {
    order: (id) => done(findOrder(tx, id)),
    campaign: (id) => done(findCampaignById(tx, id)),
    items: (orderId) => done(listOrderItems(tx, orderId)),
    vouchers: (orderId) => done(listOrderVouchers(tx, orderId)),
    invoice: (orderId) => done(findOrderInvoice(tx, orderId)),
    markCodesExported: (orderId, at) => done(void tx.update(orders).set({ codesExportedAt: at }).where(eq(orders.id, orderId)).run()),
  };
}
