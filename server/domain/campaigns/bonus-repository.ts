/**
 * The sponsor bonus's caches on the campaign row, moved only inside the order services'
 * BEGIN IMMEDIATE transactions (so reserved + used ≤ budget holds across processes):
 * reserve at order creation, release at cancellation, reserved → used at payment.
 */
import { and, eq, ne, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { campaigns, orders } from '../../../db/schema/index';
import type { Order } from '../orders/orders-repository';
import { budgetLeft, capLeft, normaliseBuyerEmail } from './bonus';
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

function move(tx: Tx, campaignId: string, reserved: number, used: number): void {
  tx.update(campaigns)
    .set({ bonusReservedCents: sql`${campaigns.bonusReservedCents} + ${reserved}`, bonusUsedCents: sql`${campaigns.bonusUsedCents} + ${used}` })
    .where(eq(campaigns.id, campaignId))
    .run();
}

export const reserveBonus = (tx: Tx, campaignId: string, b: number) => b > 0 && move(tx, campaignId, b, 0);

/** An unpaid order's bonus goes back to the budget (order cancelled or expired). */
export const releaseBonus = (tx: Tx, order: Pick<Order, 'campaignId' | 'bonusCents' | 'status'>) =>
  order.status === 'pending_payment' && order.bonusCents > 0 && move(tx, order.campaignId, -order.bonusCents, 0);

/**
 * At payment the reservation becomes used. An order paid after it was cancelled (the
 * provider took the money after the checkout expired) lost its reservation: it gets
 * what the budget and the buyer's cap still allow, at most its original bonus. Returns the final bonus,
 * written back to the order so books, vouchers and caches agree.
 */
export function useBonusTx(tx: Tx, order: Order): Order {
  if (order.bonusCents <= 0) return order;
  if (order.status === 'pending_payment') {
    move(tx, order.campaignId, -order.bonusCents, order.bonusCents);
    return order;
  }
  const campaign = findCampaignById(tx, order.campaignId)!;
  // Still cancelled in the table here, so the buyer's sum excludes this order.
  const b = Math.min(order.bonusCents, budgetLeft(campaign), capLeft(campaign, buyerBonusCents(tx, order.campaignId, order.buyerEmail)));
  move(tx, order.campaignId, 0, b);
  tx.update(orders).set({ bonusCents: b }).where(eq(orders.id, order.id)).run();
  return { ...order, bonusCents: b };
}
