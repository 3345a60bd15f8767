import type { Database_ } from '../../db/client';
import type { BrandSummary } from '../domain/brand/brand';
import type { PdfBrand } from '../pdf/pdf-brand';
import { readBrandSummary } from '../domain/brand/brand-repository';
import { loadPdfBrand } from '../domain/brand/brand-service';
import type { Campaign } from '../domain/campaigns/campaign';
import { findCampaignById } from '../domain/campaigns/campaigns-repository';
import { voucherPdfShops, type VoucherShops } from '../domain/campaigns/voucher-shops-repository';
import { findMerchantById, findUserById } from '../domain/merchants/merchant-users-repository';
import { findOrder } from '../domain/orders/orders-repository';
import { findOrganisation, type Organisation } from '../domain/organisations/organisations-repository';
import { ORDER_VOUCHER_COUNT_SQL } from '../domain/organisations/organisation-store';
import { findGift, type VoucherGift } from '../domain/gifts/gifts-repository';
import { findBatch, findStatement, type SettlementBatch, type Statement } from '../domain/settlements/settlements-repository';
import { findVoucherById, listOrderVouchers } from '../domain/vouchers/vouchers-repository';

type Order = NonNullable<ReturnType<typeof findOrder>>;
type Voucher = NonNullable<ReturnType<typeof findVoucherById>>;
type MerchantUser = NonNullable<ReturnType<typeof findUserById>>;
type Merchant = NonNullable<ReturnType<typeof findMerchantById>>;

/**
 * What the mail renderers read, on either backend. A message is built when the outbox sends
 * it, from the data as it is then (messages.ts): these are those reads, asynchronous so the
 * same renderer runs on the SQLite file (sqliteMailReads, the repositories' own statements)
 * and on PostgreSQL (mail-reads-pg.ts).
 */
export interface MailReads {
  order(id: string): Promise<Order | undefined>;
  campaign(id: string): Promise<Campaign | undefined>;
  orderVouchers(orderId: string): Promise<Voucher[]>;
  voucher(id: string): Promise<Voucher | undefined>;
  user(id: string): Promise<MerchantUser | undefined>;
  shop(id: string): Promise<Merchant | undefined>;
  statement(id: string): Promise<Statement | undefined>;
  batch(id: string): Promise<SettlementBatch | undefined>;
  /** A buyer's gift send (voucher_gift, voucher_gift_sent). */
  gift(id: string): Promise<VoucherGift | undefined>;
  /** An organisation (org_page_link). */
  organisation(id: string): Promise<Organisation | undefined>;
  /** What an organisation's paid order issued: vouchers, their face value, how many go out by mail (org_order_paid). */
  orderVoucherStats(orderId: string): Promise<{ count: number; totalCents: number; emailed: number }>;
  /** The vouchers an order asks for, the sponsor's bonus lines left out (org_order_confirm). */
  orderedVoucherCount(orderId: string): Promise<number>;
  brand(): Promise<BrandSummary>;
  pdfBrand(): Promise<PdfBrand>;
  pdfShops(campaign: { id: string; slug: string }, baseUrl: string): Promise<VoucherShops & { directoryUrl: string }>;
}

type VoucherStats = { count: number; totalCents: number; emailed: number };
/** Portable SQL (db/read-program.ts parameters), run by both implementations. */
export const ORDER_VOUCHER_STATS_SQL = `SELECT COUNT(*) AS count, COALESCE(SUM(amount_cents), 0) AS "totalCents",
    COALESCE(SUM(CASE WHEN recipient_email IS NOT NULL THEN 1 ELSE 0 END), 0) AS emailed FROM vouchers WHERE order_id = @order`;

export type { Order as MailOrder, Voucher as MailVoucher };

export function sqliteMailReads(database: Database_): MailReads {
  const db = database.db;
  return {
    order: async (id) => findOrder(db, id),
    campaign: async (id) => findCampaignById(db, id),
    orderVouchers: async (orderId) => listOrderVouchers(db, orderId),
    voucher: async (id) => findVoucherById(db, id),
    user: async (id) => findUserById(db, id),
    shop: async (id) => findMerchantById(db, id),
    statement: async (id) => findStatement(db, id),
    batch: async (id) => findBatch(db, id),
    gift: async (id) => findGift(db, id),
    organisation: async (id) => findOrganisation(db, id),
    orderVoucherStats: async (orderId) => database.sqlite.prepare<{ order: string }, VoucherStats>(ORDER_VOUCHER_STATS_SQL).get({ order: orderId })!,
    orderedVoucherCount: async (orderId) => (database.sqlite.prepare(ORDER_VOUCHER_COUNT_SQL).get({ order: orderId, bonus: 0 }) as { n: number }).n,
    brand: async () => readBrandSummary(db),
    pdfBrand: async () => loadPdfBrand(db),
    pdfShops: async (campaign, baseUrl) => voucherPdfShops(db, campaign, baseUrl),
  };
}
