import { and, asc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { campaignMerchants, campaigns, merchants } from '../../../db/schema/index';
import { toCampaign, type Campaign } from './campaign';

export function findCampaignBySlug(tx: Tx, slug: string): Campaign | undefined {
  const row = tx.select().from(campaigns).where(eq(campaigns.slug, slug)).get();
  return row && toCampaign(row);
}

export function findCampaignById(tx: Tx, id: string): Campaign | undefined {
  const row = tx.select().from(campaigns).where(eq(campaigns.id, id)).get();
  return row && toCampaign(row);
}

/** Public listing: everything but drafts, newest first. */
export function listPublicCampaigns(tx: Tx): Campaign[] {
  return tx
    .select()
    .from(campaigns)
    .where(sql`${campaigns.status} != 'draft'`)
    .orderBy(asc(campaigns.status), asc(campaigns.startsAt))
    .all()
    .map(toCampaign);
}

export function listCampaignMerchants(tx: Tx, campaignId: string) {
  return tx
    .select({
      id: merchants.id,
      slug: merchants.slug,
      name: merchants.name,
      category: merchants.category,
      address: merchants.address,
      postalCode: merchants.postalCode,
      city: merchants.city,
      website: merchants.website,
      openingHours: merchants.openingHours,
      latitude: merchants.latitude,
      longitude: merchants.longitude,
    })
    .from(campaignMerchants)
    .innerJoin(merchants, eq(merchants.id, campaignMerchants.merchantId))
    .where(and(eq(campaignMerchants.campaignId, campaignId), eq(merchants.status, 'approved')))
    .orderBy(asc(merchants.city), asc(merchants.name))
    .all();
}

export type CampaignMerchant = ReturnType<typeof listCampaignMerchants>[number];

/** Keeps the progress caches in step with movements; called inside the movement's transaction. */
export function addToCampaignTotals(tx: Tx, campaignId: string, delta: { soldCents?: number; redeemedCents?: number }) {
  tx.update(campaigns)
    .set({
      soldCents: sql`${campaigns.soldCents} + ${delta.soldCents ?? 0}`,
      redeemedCents: sql`${campaigns.redeemedCents} + ${delta.redeemedCents ?? 0}`,
    })
    .where(eq(campaigns.id, campaignId))
    .run();
}
