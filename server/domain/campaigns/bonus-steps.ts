/**
 * The sponsor bonus at payment and at cancellation, as steps (db/unit-of-work.ts), so the
 * card-payment path runs them on either backend; bonus-repository.ts drives the same steps
 * on SQLite for the other services (bank transfers, the operator's cancellation).
 */
import type { Step } from '../../../db/unit-of-work';
import type { Order } from '../orders/orders-repository';
import { budgetLeft, capLeft, type BonusRule } from './bonus';

export interface BonusStore {
  moveBonus(campaignId: string, reserved: number, used: number): Step<void>;
  buyerBonusCents(campaignId: string, email: string): Step<number>;
  campaign(id: string): Step<Pick<BonusRule, 'bonusCapPerBuyerCents' | 'bonusBudgetCents' | 'bonusReservedCents' | 'bonusUsedCents'> | undefined>;
  updateOrder(id: string, patch: Partial<Order>): Step<void>;
}

/** An unpaid order's bonus goes back to the budget (order cancelled or expired). */
export function* releaseBonusSteps(store: BonusStore, order: Pick<Order, 'campaignId' | 'bonusCents' | 'status'>): Step<void> {
  if (order.status === 'pending_payment' && order.bonusCents > 0) yield* store.moveBonus(order.campaignId, -order.bonusCents, 0);
}

/**
 * At payment the reservation becomes used. An order paid after it was cancelled (the
 * provider took the money after the checkout expired) lost its reservation: it gets
 * what the budget and the buyer's cap still allow, at most its original bonus. Returns the
 * order with its final bonus, written back so books, vouchers and caches agree.
 */
export function* useBonusSteps(store: BonusStore, order: Order): Step<Order> {
  if (order.bonusCents <= 0) return order;
  if (order.status === 'pending_payment') {
    yield* store.moveBonus(order.campaignId, -order.bonusCents, order.bonusCents);
    return order;
  }
  const campaign = (yield* store.campaign(order.campaignId))!;
  // Still cancelled in the table here, so the buyer's sum excludes this order.
  const held = yield* store.buyerBonusCents(order.campaignId, order.buyerEmail);
  const b = Math.min(order.bonusCents, budgetLeft(campaign), capLeft(campaign, held));
  yield* store.moveBonus(order.campaignId, 0, b);
  yield* store.updateOrder(order.id, { bonusCents: b });
  return { ...order, bonusCents: b };
}
