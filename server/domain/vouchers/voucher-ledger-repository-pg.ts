/**
 * The ledger writer's store on PostgreSQL (see ledger-store.ts): the same statements as
 * voucher-ledger-repository.ts and voucher-totals-repository.ts, in PostgreSQL's dialect,
 * each a named prepared statement on the unit of work's connection. Only the voucher read
 * locks (FOR UPDATE); the aggregates' upserts lock their one row each until COMMIT, always
 * in the same order (week, merchant, balance), so two writers never deadlock on them.
 */
import type pg from 'pg';
import { preparedOn, quotedAliases } from '../../../db/postgres';
import { awaited } from '../../../db/unit-of-work';
import type { LedgerStore } from './ledger-store';
import type { Voucher } from './voucher';
import type { OrderFacts } from './voucher-totals-repository';
import { VOUCHER_COLUMNS } from './vouchers-repository';

const COLS = quotedAliases(VOUCHER_COLUMNS);
const add = (table: string, cols: string[]) => cols.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ');

export function pgLedgerStore(client: pg.ClientBase): LedgerStore {
  const q = preparedOn(client);
  const first = <R,>(name: string, text: string, values: unknown[]) => awaited(async () => (await q<R>(name, text, values)).rows[0]);
  const count = (name: string, text: string, values: unknown[]) => awaited(async () => (await q(name, text, values)).rowCount);
  const run = (name: string, text: string, values: unknown[]) => awaited(async () => void (await q(name, text, values)));
  return {
    voucherForUpdate: (id) => first<Voucher>('ledger_voucher_for_update', `SELECT ${COLS} FROM vouchers WHERE id = $1 FOR UPDATE`, [id]),
    *nextSeq(voucherId) {
      const r = yield* first<{ n: number }>('ledger_next_seq', `SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM movements WHERE voucher_id = $1`, [voucherId]);
      return r!.n;
    },
    insertMovement: (m) =>
      run(
        'ledger_insert_movement',
        `INSERT INTO movements (id, voucher_id, seq, kind, amount_cents, balance_after_cents, journal_id, order_id, redemption_id, actor, reason, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [m.id, m.voucherId, m.seq, m.kind, m.amountCents, m.balanceAfterCents, m.journalId, m.orderId, m.redemptionId, m.actor, m.reason, m.createdAt],
      ),
    *updateVoucher(u) {
      const n = yield* count(
        'ledger_update_voucher',
        `UPDATE vouchers SET balance_cents = $2, status = $3, block_reason = $4 WHERE id = $1 AND balance_cents = $5 AND status = $6`,
        [u.id, u.balance, u.status, u.blockReason, u.wasBalance, u.wasStatus],
      );
      return n === 1;
    },
    successor: (id) => first<Voucher>('ledger_successor', `SELECT ${COLS} FROM vouchers WHERE reissued_from = $1`, [id]),
    redemptionFacts: (id) =>
      first('ledger_redemption_facts', `SELECT campaign_id AS "campaignId", merchant_id AS "merchantId", created_at AS "createdAt" FROM redemptions WHERE id = $1`, [id]),
    addWeek: (d) =>
      run(
        'totals_week',
        `INSERT INTO campaign_week_totals (campaign_id, week, sold_cents, redeemed_cents, expired_cents, cancelled_cents, adjusted_cents) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (campaign_id, week) DO UPDATE SET ${add('campaign_week_totals', ['sold_cents', 'redeemed_cents', 'expired_cents', 'cancelled_cents', 'adjusted_cents'])}`,
        [d.campaignId, d.week, d.sold, d.redeemed, d.expired, d.cancelled, d.adjusted],
      ),
    addMerchant: (d) =>
      run(
        'totals_merchant',
        `INSERT INTO merchant_campaign_totals (campaign_id, merchant_id, redemptions, redeemed_cents) VALUES ($1, $2, $3, $4)
         ON CONFLICT (campaign_id, merchant_id) DO UPDATE SET ${add('merchant_campaign_totals', ['redemptions', 'redeemed_cents'])}`,
        [d.campaignId, d.merchantId, d.redemptions, d.redeemed],
      ),
    addBalance: (d) =>
      run(
        'totals_balance',
        `INSERT INTO voucher_balance_totals (campaign_id, issued_on, expires_on, vouchers, balance_cents) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (campaign_id, issued_on, expires_on) DO UPDATE SET ${add('voucher_balance_totals', ['vouchers', 'balance_cents'])}`,
        [d.campaignId, d.issuedOn, d.expiresOn, d.vouchers, d.balance],
      ),
    weekRedeemedDown: (d) =>
      count('totals_week_down', `UPDATE campaign_week_totals SET redeemed_cents = redeemed_cents + $3 WHERE campaign_id = $1 AND week = $2`, [d.campaignId, d.week, d.redeemed]),
    merchantDown: (d) =>
      count(
        'totals_merchant_down',
        `UPDATE merchant_campaign_totals SET redemptions = redemptions + $3, redeemed_cents = redeemed_cents + $4 WHERE campaign_id = $1 AND merchant_id = $2`,
        [d.campaignId, d.merchantId, d.redemptions, d.redeemed],
      ),
    balanceDown: (d) =>
      count(
        'totals_balance_down',
        `UPDATE voucher_balance_totals SET vouchers = vouchers + $4, balance_cents = balance_cents + $5 WHERE campaign_id = $1 AND issued_on = $2 AND expires_on = $3`,
        [d.campaignId, d.issuedOn, d.expiresOn, d.vouchers, d.balance],
      ),
    insertVoucher: (v) =>
      run(
        'ledger_insert_voucher',
        `INSERT INTO vouchers (id, code, campaign_id, order_id, order_item_id, amount_cents, balance_cents, status, recipient_name, recipient_email, message,
           issued_at, expires_at, expiry_reminded_at, reissued_from, block_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        [v.id, v.code, v.campaignId, v.orderId, v.orderItemId, v.amountCents, v.balanceCents, v.status, v.recipientName, v.recipientEmail, v.message,
          v.issuedAt, v.expiresAt, v.expiryRemindedAt, v.reissuedFrom, v.blockReason],
      ),
    *orderFacts(orderId) {
      const r = yield* first<Omit<OrderFacts, 'issued'> & { issued: boolean }>(
        'totals_order_facts',
        `SELECT campaign_id AS "campaignId", buyer_type AS "buyerType", payment_method AS "paymentMethod", total_cents AS "totalCents",
                fee_cents + fee_vat_cents AS "feesCents", bonus_cents AS "bonusCents",
                EXISTS (SELECT 1 FROM vouchers v WHERE v.order_id = o.id AND v.reissued_from IS NULL) AS issued
           FROM orders o WHERE id = $1`,
        [orderId],
      );
      // SQLite answers the EXISTS as 0/1: the same shape here.
      return r && { ...r, issued: r.issued ? 1 : 0 };
    },
    addBuyer: (d) =>
      run(
        'totals_buyer',
        `INSERT INTO campaign_buyer_totals (campaign_id, buyer_type, payment_method, orders, vouchers, sold_cents, paid_cents, fees_cents, bonus_cents)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (campaign_id, buyer_type, payment_method) DO UPDATE SET ${add('campaign_buyer_totals', ['orders', 'vouchers', 'sold_cents', 'paid_cents', 'fees_cents', 'bonus_cents'])}`,
        [d.campaignId, d.buyerType, d.paymentMethod, d.orders, d.vouchers, d.sold, d.paid, d.fees, d.bonus],
      ),
  };
}
