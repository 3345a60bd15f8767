import type { campaigns } from '../../../db/schema/index';

export type CampaignRow = typeof campaigns.$inferSelect;
export type BuyerType = 'individual' | 'company' | 'municipality';

export interface Campaign extends Omit<CampaignRow, 'denominationsCents'> {
  denominationsCents: number[];
}

export function toCampaign(row: CampaignRow): Campaign {
  return { ...row, denominationsCents: JSON.parse(row.denominationsCents) as number[] };
}

/** On sale: published, started, not ended. */
export function isOnSale(c: Pick<Campaign, 'status' | 'startsAt' | 'endsAt'>, now: Date): boolean {
  if (c.status !== 'active') return false;
  if (new Date(c.startsAt) > now) return false;
  return !c.endsAt || new Date(c.endsAt) > now;
}

/** A voucher value is allowed if it is a denomination or a free amount within the bounds. */
export function isAllowedAmount(c: Pick<Campaign, 'denominationsCents' | 'minAmountCents' | 'maxAmountCents'>, amount: number): boolean {
  if (!Number.isSafeInteger(amount) || amount <= 0) return false;
  return c.denominationsCents.includes(amount) || (amount >= c.minAmountCents && amount <= c.maxAmountCents);
}

export interface OrderLine {
  amountCents: number;
  quantity: number;
}

export type OrderCheck =
  | { ok: true; totalCents: number; voucherCount: number }
  | { ok: false; reason: 'not_on_sale' }
  | { ok: false; reason: 'no_items' }
  | { ok: false; reason: 'amount_not_allowed'; line: number }
  | { ok: false; reason: 'too_many_vouchers'; max: number }
  | { ok: false; reason: 'order_too_large'; maxCents: number };

/** The campaign's rules for one order, as a reason union the edge turns into messages. */
export function checkOrder(c: Campaign, buyerType: BuyerType, lines: OrderLine[], now: Date): OrderCheck {
  if (!isOnSale(c, now)) return { ok: false, reason: 'not_on_sale' };
  if (lines.length === 0) return { ok: false, reason: 'no_items' };
  let total = 0;
  let count = 0;
  for (const [i, line] of lines.entries()) {
    if (!isAllowedAmount(c, line.amountCents)) return { ok: false, reason: 'amount_not_allowed', line: i };
    total += line.amountCents * line.quantity;
    count += line.quantity;
  }
  // Per-order limits guard individuals' card purchases; organisations have their own path.
  if (buyerType === 'individual') {
    if (count > c.maxVouchersPerOrder) return { ok: false, reason: 'too_many_vouchers', max: c.maxVouchersPerOrder };
    if (total > c.maxOrderCentsIndividual) return { ok: false, reason: 'order_too_large', maxCents: c.maxOrderCentsIndividual };
  }
  return { ok: true, totalCents: total, voucherCount: count };
}

/** Progress toward the target, in whole percent (floored, capped for the bar at 100). */
export function progress(c: Pick<Campaign, 'targetCents' | 'soldCents' | 'redeemedCents'>) {
  const pct = (part: number) => (c.targetCents > 0 ? Math.floor((part * 100) / c.targetCents) : 0);
  return {
    soldPercent: pct(c.soldCents),
    redeemedPercent: pct(c.redeemedCents),
    soldBar: Math.min(100, pct(c.soldCents)),
    redeemedBar: Math.min(100, pct(c.redeemedCents)),
  };
}
