/**
 * The sponsor bonus's caches on the campaign row, moved only inside the order services'
 * BEGIN IMMEDIATE transactions (so reserved + used ≤ budget holds across processes):
 * reserve at order creation, release at cancellation, reserved → used at payment.
 */
import { and, eq, ne, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { campaigns, orders } from '../../../db/schema/index';
import type { Order } from '../orders/orders-repository';
import { done, runSync } from '../../../db/unit-of-work';
import { normaliseBuyerEmail } from './bonus';
import { releaseBonusSteps, useBonusSteps, type BonusStore } from './bonus-steps';
import { findCampaignById } from './campaigns-repository';

/** Bonus the buyer already holds on the campaign (non-cancelled orders), by normalised email. */
export function buyerBonusCents(tx: Tx, campaignId: string, email: string): number {
  const row = tx
    .select({ n: sql<number>`COALESCE(SUM(${orders.bonusCents}), 0)` })
    .from(orders)
    .where(and(eq(orders.campaignId, campaignId), ne(orders.status, 'cancelled'), sql`lower(trim(${orders.buyerEmail})) = ${normaliseBuyerEmail(email)}`))
    .get();
  return row?.n ?? 0;
}

export function moveBonus(tx: Tx, campaignId: string, reserved: number, used: number): void {
  tx.update(campaigns)
    .set({ bonusReservedCents: sql`${campaigns.bonusReservedCents} + ${reserved}`, bonusUsedCents: sql`${campaigns.bonusUsedCents} + ${used}` })
    .where(eq(campaigns.id, campaignId))
    .run();
}

export const reserveBonus = (tx: Tx, campaignId: string, b: number) => b > 0 && moveBonus(tx, campaignId, b, 0);

/** The bonus steps (bonus-steps.ts) on SQLite, in the caller's transaction. */
const sqliteBonusStore = (tx: Tx): BonusStore => ({
  moveBonus: (campaignId, reserved, used) => done(moveBonus(tx, campaignId, reserved, used)),
  buyerBonusCents: (campaignId, email) => done(buyerBonusCents(tx, campaignId, email)),
  campaign: (id) => done(findCampaignById(tx, id)),
  updateOrder: (id, patch) => done(void tx.update(orders).set(patch).where(eq(orders.id, id)).run()),
});

/** An unpaid order's bonus goes back to the budget (order cancelled or expired). */
export const releaseBonus = (tx: Tx, order: Pick<Order, 'campaignId' | 'bonusCents' | 'status'>) => runSync(releaseBonusSteps(sqliteBonusStore(tx), order));

/** See useBonusSteps. */
export const useBonusTx = (tx: Tx, order: Order): Order => runSync(useBonusSteps(sqliteBonusStore(tx), order));
