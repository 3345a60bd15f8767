/**
 * Keeps the report aggregates (db/schema/report-totals.ts) in step with the ledger: called
 * by the ledger writer only, in its transaction, for every movement it appends and every
 * voucher it issues, so the figures commit or roll back with the movements they summarise.
 * check-ledger recomputes them from the ledger tables (db/report-totals-sql.ts).
 */
import type { Step } from '../../../db/unit-of-work';
import type { LedgerStore } from './ledger-store';
import { weekStart } from '../../lib/weeks';
import type { Voucher } from './voucher';
import type { MovementKind } from './voucher-transitions';
import type { BalanceDelta, BuyerDelta, OrderFacts, WeekDelta } from './voucher-totals-repository';

const day = (iso: string) => iso.slice(0, 10);
const weekOf = (iso: string) => weekStart(new Date(iso));
const ZERO = { sold: 0, redeemed: 0, expired: 0, cancelled: 0, adjusted: 0 };

/** A voucher's balance moved from `before` to `after`: its (campaign, issue day, expiry day) row follows. */
function* balanceMoved(store: LedgerStore, v: Pick<Voucher, 'campaignId' | 'issuedAt' | 'expiresAt'>, before: number, after: number): Step<void> {
  if (before === after) return;
  const d = { campaignId: v.campaignId, issuedOn: day(v.issuedAt), expiresOn: day(v.expiresAt), balance: after - before, vouchers: Number(after > 0) - Number(before > 0) };
  // Balance and count move together: both up, both down, or one of them unchanged.
  if (d.balance > 0) yield* store.addBalance(d);
  else once(yield* store.balanceDown(d), 'voucher_balance_totals');
}

/** A decrease updates the row its increase created: anything else is a bug to stop on (the transaction rolls back). */
function once(changes: number, table: string): void {
  if (changes !== 1) throw new Error(`${table}: no row to take the decrease from`);
}

/**
 * One movement appended by changeVoucher (`amountCents` signed as stored). A redeem or void
 * counts for the redemption's merchant and the week the redemption was made. Steps (see
 * db/unit-of-work.ts): the same code keeps the figures on SQLite and PostgreSQL.
 */
export function* movementTotals(
  store: LedgerStore, v: Voucher, balanceAfter: number,
  m: { kind: MovementKind; amountCents: number; at: string; redemptionId: string | null },
): Step<void> {
  yield* balanceMoved(store, v, v.balanceCents, balanceAfter);
  const week = (campaignId: string, at: string, d: Partial<Omit<WeekDelta, 'campaignId' | 'week'>>) => store.addWeek({ ...ZERO, ...d, campaignId, week: weekOf(at) });
  switch (m.kind) {
    case 'redeem':
    case 'void': {
      const r = m.redemptionId ? yield* store.redemptionFacts(m.redemptionId) : undefined;
      if (!r) throw new Error(`a ${m.kind} movement needs its redemption`);
      // redeem movements are negative, void positive: the redemption's amount is −amount either way.
      if (m.kind === 'redeem') {
        yield* week(r.campaignId, r.createdAt, { redeemed: -m.amountCents });
        yield* store.addMerchant({ campaignId: r.campaignId, merchantId: r.merchantId, redemptions: 1, redeemed: -m.amountCents });
      } else {
        once(yield* store.weekRedeemedDown({ campaignId: r.campaignId, week: weekOf(r.createdAt), redeemed: -m.amountCents }), 'campaign_week_totals');
        once(yield* store.merchantDown({ campaignId: r.campaignId, merchantId: r.merchantId, redemptions: -1, redeemed: -m.amountCents }), 'merchant_campaign_totals');
      }
      return;
    }
    case 'expire':
      return yield* week(v.campaignId, m.at, { expired: -m.amountCents });
    case 'cancel':
      return yield* week(v.campaignId, m.at, { cancelled: -m.amountCents });
    case 'adjust':
      return yield* week(v.campaignId, m.at, { adjusted: m.amountCents });
    case 'issue':
      throw new Error('issues go through issuedTotals');
  }
}

/**
 * Vouchers just inserted by issueVouchers with their opening balance. Sales count at the
 * issue date; each order counts once, at its first voucher (`firstOf`: the orders that had
 * issued none before this call, read before the inserts). A replacement is no sale: the
 * balance it carries over cancels its predecessor's `cancel` in the cancelled figure.
 * Summed per row first, so a bulk order of 10 000 vouchers costs a few upserts, not 30 000.
 */
export function* issuedTotals(store: LedgerStore, list: readonly (Voucher & { openingCents: number })[], at: string, firstOf: ReadonlySet<string>): Step<void> {
  const sum = <T extends object>(map: Map<string, T>, key: string, base: T, d: Partial<T>) => {
    const row = map.get(key) ?? { ...base };
    const r = row as Record<string, number>;
    for (const [k, x] of Object.entries(d)) r[k] = (r[k] ?? 0) + (x as number);
    map.set(key, row);
  };
  const weeks = new Map<string, WeekDelta>();
  const buyers = new Map<string, BuyerDelta>();
  const balances = new Map<string, BalanceDelta>();
  const orders = new Map<string, OrderFacts>();
  for (const v of list) {
    sum(balances, `${v.campaignId}|${day(v.issuedAt)}|${day(v.expiresAt)}`, { campaignId: v.campaignId, issuedOn: day(v.issuedAt), expiresOn: day(v.expiresAt), vouchers: 0, balance: 0 }, { vouchers: 1, balance: v.openingCents });
    const week = v.reissuedFrom ? weekOf(at) : weekOf(v.issuedAt);
    sum(weeks, `${v.campaignId}|${week}`, { ...ZERO, campaignId: v.campaignId, week }, v.reissuedFrom ? { cancelled: -v.openingCents } : { sold: v.amountCents });
    if (v.reissuedFrom || !v.orderId) continue;
    let o = orders.get(v.orderId);
    if (!o) {
      o = (yield* store.orderFacts(v.orderId))!;
      orders.set(v.orderId, o);
      if (firstOf.has(v.orderId)) {
        sum(buyers, `${o.campaignId}|${o.buyerType}|${o.paymentMethod}`, buyerBase(o.campaignId, o), { orders: 1, paid: o.totalCents, fees: o.feesCents, bonus: o.bonusCents });
      }
    }
    sum(buyers, `${v.campaignId}|${o.buyerType}|${o.paymentMethod}`, buyerBase(v.campaignId, o), { vouchers: 1, sold: v.amountCents });
  }
  // The same order as movementTotals takes its rows in (balance, then week), so an issue and
  // a redemption of the same campaign on PostgreSQL queue for each other rather than deadlock.
  for (const d of balances.values()) yield* store.addBalance(d);
  for (const d of weeks.values()) yield* store.addWeek(d);
  for (const d of buyers.values()) yield* store.addBuyer(d);
}

const buyerBase = (campaignId: string, o: OrderFacts): BuyerDelta => ({ campaignId, buyerType: o.buyerType, paymentMethod: o.paymentMethod, orders: 0, vouchers: 0, sold: 0, paid: 0, fees: 0, bonus: 0 });

/** The orders among `list` that have issued no voucher yet: call before inserting. */
export function* ordersNotYetIssued(store: LedgerStore, list: readonly { orderId: string | null; reissuedFrom?: string | null }[]): Step<Set<string>> {
  const out = new Set<string>();
  const seen = new Set<string>();
  for (const n of list) {
    if (!n.orderId || n.reissuedFrom || seen.has(n.orderId)) continue;
    seen.add(n.orderId);
    if (!(yield* store.orderFacts(n.orderId))?.issued) out.add(n.orderId);
  }
  return out;
}
