import type pg from 'pg';
import { and, asc, count, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { campaignMerchants, campaigns, merchants, merchantUsers, orders, organisations, settlementBatches, statements, voucherGifts, vouchers } from '../../db/schema-pg/index';
import { positional, type SqlValue } from '../../db/read-program';
import { ORDER_VOUCHER_COUNT_SQL } from '../domain/organisations/organisation-store';
import { pgBrandReader, pgPdfBrand } from '../domain/brand/brand-reads-pg';
import { toCampaign } from '../domain/campaigns/campaign';
import { VOUCHER_PDF_SHOPS } from '../domain/campaigns/voucher-shops-repository';
import { ORDER_VOUCHER_STATS_SQL, type MailReads } from './mail-reads';

/**
 * The mail renderers' reads on PostgreSQL: the same queries as the SQLite repositories
 * (orders-repository, vouchers-repository, voucher-shops-repository…), written with the
 * PostgreSQL schema mirror (db/schema-pg), each on a pooled connection outside any
 * transaction — a message shows what was committed when it is built.
 */
export function pgMailReads(pool: pg.Pool): MailReads {
  const db = drizzle(pool);
  const brand = pgBrandReader(pool);
  const first = <T>(rows: T[]): T | undefined => rows[0];
  // The SQLite implementation's own SQL (@name parameters made positional); sums are numeric here, counts bigint: numbers both.
  const one = async (sql: string, params: Record<string, SqlValue>): Promise<Record<string, unknown>> => {
    const { text, values } = positional(sql, params);
    return (await pool.query(text, values)).rows[0] ?? {};
  };
  return {
    order: async (id) => first(await db.select().from(orders).where(eq(orders.id, id))),
    campaign: async (id) => {
      const row = first(await db.select().from(campaigns).where(eq(campaigns.id, id)));
      return row && toCampaign(row);
    },
    orderVouchers: async (orderId) => db.select().from(vouchers).where(eq(vouchers.orderId, orderId)).orderBy(asc(vouchers.issuedAt), asc(vouchers.code)),
    voucher: async (id) => first(await db.select().from(vouchers).where(eq(vouchers.id, id))),
    user: async (id) => first(await db.select().from(merchantUsers).where(eq(merchantUsers.id, id))),
    shop: async (id) => first(await db.select().from(merchants).where(eq(merchants.id, id))),
    statement: async (id) => first(await db.select().from(statements).where(eq(statements.id, id))),
    batch: async (id) => first(await db.select().from(settlementBatches).where(eq(settlementBatches.id, id))),
    gift: async (id) => first(await db.select().from(voucherGifts).where(eq(voucherGifts.id, id))),
    organisation: async (id) => first(await db.select().from(organisations).where(eq(organisations.id, id))),
    orderVoucherStats: async (orderId) => {
      const r = await one(ORDER_VOUCHER_STATS_SQL, { order: orderId });
      return { count: Number(r.count ?? 0), totalCents: Number(r.totalCents ?? 0), emailed: Number(r.emailed ?? 0) };
    },
    orderedVoucherCount: async (orderId) => Number((await one(ORDER_VOUCHER_COUNT_SQL, { order: orderId, bonus: 0 })).n ?? 0),
    brand,
    pdfBrand: () => pgPdfBrand(pool),
    pdfShops: async (campaign, baseUrl) => {
      const where = and(eq(campaignMerchants.campaignId, campaign.id), eq(merchants.status, 'approved'));
      const shops = await db
        .select({ name: merchants.name, category: merchants.category, address: merchants.address, postalCode: merchants.postalCode, city: merchants.city })
        .from(campaignMerchants)
        .innerJoin(merchants, eq(merchants.id, campaignMerchants.merchantId))
        .where(where)
        .orderBy(asc(merchants.city), asc(merchants.name))
        .limit(VOUCHER_PDF_SHOPS);
      const total = shops.length < VOUCHER_PDF_SHOPS ? shops.length : Number(first(await db.select({ n: count() }).from(campaignMerchants).innerJoin(merchants, eq(merchants.id, campaignMerchants.merchantId)).where(where))?.n ?? 0);
      return { shops, total, directoryUrl: `${baseUrl}/campagnes/${campaign.slug}` };
    },
  };
}
