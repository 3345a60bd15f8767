import { and, asc, count, eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { campaignMerchants, merchants } from '../../../db/schema/index';

/**
 * The partner shops a voucher PDF lists: the first `limit` (by town, then name, as the
 * campaign page lists them) and how many there are in all, so the document can say « and
 * N more » and point to the directory. Both read campaign_merchants through its primary
 * key (campaign_id first) and merchants by id: no table is read in full.
 */
export interface VoucherShops {
  shops: { name: string; category: string; address: string; postalCode: string; city: string }[];
  total: number;
}

export function listVoucherShops(tx: Tx, campaignId: string, limit: number): VoucherShops {
  const where = and(eq(campaignMerchants.campaignId, campaignId), eq(merchants.status, 'approved'));
  const shops = tx
    .select({ name: merchants.name, category: merchants.category, address: merchants.address, postalCode: merchants.postalCode, city: merchants.city })
    .from(campaignMerchants)
    .innerJoin(merchants, eq(merchants.id, campaignMerchants.merchantId))
    .where(where)
    .orderBy(asc(merchants.city), asc(merchants.name))
    .limit(limit)
    .all();
  const total = shops.length < limit ? shops.length : (tx.select({ n: count() }).from(campaignMerchants).innerJoin(merchants, eq(merchants.id, campaignMerchants.merchantId)).where(where).get()?.n ?? 0);
  return { shops, total };
}

/** The most a voucher PDF lists (what the A4 page holds with no message); the rest are behind the link. */
export const VOUCHER_PDF_SHOPS = 40;

/** The shops a voucher PDF of this campaign lists, and its directory page (the campaign page). */
export function voucherPdfShops(tx: Tx, campaign: { id: string; slug: string }, baseUrl: string): VoucherShops & { directoryUrl: string } {
  return { ...listVoucherShops(tx, campaign.id, VOUCHER_PDF_SHOPS), directoryUrl: directoryUrl(baseUrl, campaign) };
}

/** Where a voucher PDF sends its reader for the full list: the campaign page. */
export const directoryUrl = (baseUrl: string, campaign: { slug: string }) => `${baseUrl}/campagnes/${campaign.slug}`;
