/**
 * The report aggregates' writes (db/schema/report-totals.ts), prepared once per connection
 * like the ledger writer's own statements: the till pays them on every redemption. Additive
 * upserts (`INSERT … ON CONFLICT … DO UPDATE SET x = table.x + excluded.x`, the same text on
 * PostgreSQL), so no row has to exist beforehand. Only voucher-totals.ts uses these.
 */
import type Database from 'better-sqlite3';
import { sqliteOf, type Tx } from '../../../db/client';

export interface WeekDelta { campaignId: string; week: string; sold: number; redeemed: number; expired: number; cancelled: number; adjusted: number }
export interface MerchantDelta { campaignId: string; merchantId: string; redemptions: number; redeemed: number }
export interface BuyerDelta { campaignId: string; buyerType: string; paymentMethod: string; orders: number; vouchers: number; sold: number; paid: number; fees: number; bonus: number }
export interface BalanceDelta { campaignId: string; issuedOn: string; expiresOn: string; vouchers: number; balance: number }
export interface OrderFacts { campaignId: string; buyerType: string; paymentMethod: string; totalCents: number; feesCents: number; bonusCents: number; issued: number }

const add = (table: string, cols: string[]) => cols.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ');
const sub = (cols: Record<string, string>) => Object.entries(cols).map(([c, p]) => `${c} = ${c} + @${p}`).join(', ');

function build(s: Database.Database) {
  return {
    week: s.prepare<[WeekDelta]>(
      `INSERT INTO campaign_week_totals (campaign_id, week, sold_cents, redeemed_cents, expired_cents, cancelled_cents, adjusted_cents)
       VALUES (@campaignId, @week, @sold, @redeemed, @expired, @cancelled, @adjusted)
       ON CONFLICT (campaign_id, week) DO UPDATE SET ${add('campaign_week_totals', ['sold_cents', 'redeemed_cents', 'expired_cents', 'cancelled_cents', 'adjusted_cents'])}`,
    ),
    merchant: s.prepare<[MerchantDelta]>(
      `INSERT INTO merchant_campaign_totals (campaign_id, merchant_id, redemptions, redeemed_cents) VALUES (@campaignId, @merchantId, @redemptions, @redeemed)
       ON CONFLICT (campaign_id, merchant_id) DO UPDATE SET ${add('merchant_campaign_totals', ['redemptions', 'redeemed_cents'])}`,
    ),
    buyer: s.prepare<[BuyerDelta]>(
      `INSERT INTO campaign_buyer_totals (campaign_id, buyer_type, payment_method, orders, vouchers, sold_cents, paid_cents, fees_cents, bonus_cents)
       VALUES (@campaignId, @buyerType, @paymentMethod, @orders, @vouchers, @sold, @paid, @fees, @bonus)
       ON CONFLICT (campaign_id, buyer_type, payment_method) DO UPDATE SET ${add('campaign_buyer_totals', ['orders', 'vouchers', 'sold_cents', 'paid_cents', 'fees_cents', 'bonus_cents'])}`,
    ),
    balance: s.prepare<[BalanceDelta]>(
      `INSERT INTO voucher_balance_totals (campaign_id, issued_on, expires_on, vouchers, balance_cents) VALUES (@campaignId, @issuedOn, @expiresOn, @vouchers, @balance)
       ON CONFLICT (campaign_id, issued_on, expires_on) DO UPDATE SET ${add('voucher_balance_totals', ['vouchers', 'balance_cents'])}`,
    ),
    weekRedeemedDown: s.prepare<[{ campaignId: string; week: string; redeemed: number }]>(
      `UPDATE campaign_week_totals SET ${sub({ redeemed_cents: 'redeemed' })} WHERE campaign_id = @campaignId AND week = @week`,
    ),
    merchantDown: s.prepare<[MerchantDelta]>(
      `UPDATE merchant_campaign_totals SET ${sub({ redemptions: 'redemptions', redeemed_cents: 'redeemed' })} WHERE campaign_id = @campaignId AND merchant_id = @merchantId`,
    ),
    balanceDown: s.prepare<[BalanceDelta]>(
      `UPDATE voucher_balance_totals SET ${sub({ vouchers: 'vouchers', balance_cents: 'balance' })}
        WHERE campaign_id = @campaignId AND issued_on = @issuedOn AND expires_on = @expiresOn`,
    ),
    /** The redemption a redeem or void movement belongs to (primary key). */
    redemption: s.prepare<[string], { campaignId: string; merchantId: string; createdAt: string }>(
      `SELECT campaign_id AS campaignId, merchant_id AS merchantId, created_at AS createdAt FROM redemptions WHERE id = ?`,
    ),
    /** An order's sale figures, and whether it already issued a voucher (vouchers_order_idx). */
    order: s.prepare<[string], OrderFacts>(
      `SELECT campaign_id AS campaignId, buyer_type AS buyerType, payment_method AS paymentMethod, total_cents AS totalCents,
              fee_cents + fee_vat_cents AS feesCents, bonus_cents AS bonusCents,
              EXISTS (SELECT 1 FROM vouchers v WHERE v.order_id = o.id AND v.reissued_from IS NULL) AS issued
         FROM orders o WHERE id = ?`,
    ),
  };
}

export type TotalsStatements = ReturnType<typeof build>;
const cache = new WeakMap<Database.Database, TotalsStatements>();

export function totalsStatements(tx: Tx): TotalsStatements {
  const sqlite = sqliteOf(tx);
  let st = cache.get(sqlite);
  if (!st) cache.set(sqlite, (st = build(sqlite)));
  return st;
}
