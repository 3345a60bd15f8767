import { and, asc, eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { campaignMerchants, merchantOpeningHours, merchants } from '../../../db/schema/index';
import type { OpeningSlot } from './opening-hours';
import type { ShopPosition } from './shop-position';

const slotColumns = { weekday: merchantOpeningHours.weekday, opensMinute: merchantOpeningHours.opensMinute, closesMinute: merchantOpeningHours.closesMinute };

/** One shop's slots, by day then opening time (the primary key's order). */
export function hoursOf(tx: Tx, merchantId: string): OpeningSlot[] {
  return tx.select(slotColumns).from(merchantOpeningHours).where(eq(merchantOpeningHours.merchantId, merchantId)).orderBy(asc(merchantOpeningHours.weekday), asc(merchantOpeningHours.opensMinute)).all();
}

/** Replaces the whole week (the form always sends the whole week); inside the caller's transaction. */
export function replaceHours(tx: Tx, merchantId: string, slots: readonly OpeningSlot[]): void {
  tx.delete(merchantOpeningHours).where(eq(merchantOpeningHours.merchantId, merchantId)).run();
  if (slots.length) tx.insert(merchantOpeningHours).values(slots.map((s) => ({ merchantId, ...s }))).run();
}

/**
 * The slots of every approved shop of a campaign, for the directory: the campaign's shops
 * through campaign_merchants' key (campaign_id first), then each shop's slots through
 * merchant_opening_hours' key (merchant_id first). Plans checked in scale-query-plans.
 */
export function campaignOpeningHours(tx: Tx, campaignId: string): (OpeningSlot & { merchantId: string })[] {
  return tx
    .select({ merchantId: merchantOpeningHours.merchantId, ...slotColumns })
    .from(campaignMerchants)
    .innerJoin(merchants, eq(merchants.id, campaignMerchants.merchantId))
    .innerJoin(merchantOpeningHours, eq(merchantOpeningHours.merchantId, campaignMerchants.merchantId))
    .where(and(eq(campaignMerchants.campaignId, campaignId), eq(merchants.status, 'approved')))
    .all();
}

/** The shop's map position, or null. */
export function positionOf(tx: Tx, merchantId: string): ShopPosition {
  const row = tx.select({ latitude: merchants.latitude, longitude: merchants.longitude }).from(merchants).where(eq(merchants.id, merchantId)).get();
  return row && row.latitude !== null && row.longitude !== null ? { latitude: row.latitude, longitude: row.longitude } : null;
}

export function setPosition(tx: Tx, merchantId: string, position: ShopPosition): void {
  tx.update(merchants).set({ latitude: position?.latitude ?? null, longitude: position?.longitude ?? null }).where(eq(merchants.id, merchantId)).run();
}
