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

/**
 * The most vouchers one order may hold, whatever the campaign says: an organisation's
 * order is one line per beneficiary (API lines, form total, rows of a beneficiaries file).
 */
export const MAX_ORDER_VOUCHERS = 10_000;

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
  // The campaign's per-order ceilings, each buyer kind its own (organisations order in bulk),
  // on the face value bought; the service fee follows from it and the sponsor's bonus is extra.
  const individual = buyerType === 'individual';
  const maxVouchers = Math.min(individual ? c.maxVouchersPerOrder : c.maxVouchersPerOrgOrder, MAX_ORDER_VOUCHERS);
  const maxCents = individual ? c.maxOrderCentsIndividual : c.maxOrderCentsOrg;
  if (count > maxVouchers) return { ok: false, reason: 'too_many_vouchers', max: maxVouchers };
  if (total > maxCents) return { ok: false, reason: 'order_too_large', maxCents };
  return { ok: true, totalCents: total, voucherCount: count };
}

/**
 * A part of a whole in whole percent, floored: 0 means nothing at all, and a small non-zero
 * part that floors to 0 is flagged `belowOne` so that pages say « moins de 1 % » instead of
 * an honest-looking « 0 % » or a flattering « 1 % ». A whole of 0 (no target) gives 0.
 */
export function share(part: number, whole: number): { percent: number; belowOne: boolean } {
  if (whole <= 0 || part <= 0) return { percent: 0, belowOne: false };
  const percent = Math.floor((part * 100) / whole);
  return { percent, belowOne: percent === 0 };
}

/** Progress toward the target, in whole percent (floored, capped for the bar at 100). */
export function progress(c: Pick<Campaign, 'targetCents' | 'soldCents' | 'redeemedCents'>) {
  const sold = share(c.soldCents, c.targetCents);
  const redeemed = share(c.redeemedCents, c.targetCents);
  return {
    soldPercent: sold.percent,
    redeemedPercent: redeemed.percent,
    soldBelowOne: sold.belowOne,
    redeemedBelowOne: redeemed.belowOne,
    soldBar: Math.min(100, sold.percent),
    redeemedBar: Math.min(100, redeemed.percent),
  };
}
