/**
 * The ledger writer's store on PostgreSQL (see ledger-store.ts): the same statements as
 * voucher-ledger-repository.ts and voucher-totals-repository.ts, in PostgreSQL's dialect, on
 * the unit of work's connection (db/pg-write-behind.ts).
 *
 * Reads: only the voucher read locks (FOR UPDATE). A voucher this unit has locked already is
 * answered from `LockedRows` — no other unit can change the row before our COMMIT, and our own
 * changes are applied to the copy — and so is its next movement seq when a statement run
 * AFTER the lock read it (a statement that waited for the lock would have read the movements
 * with its older snapshot: READ COMMITTED re-reads the locked row, not its subqueries).
 *
 * Writes: the movement, the balance update and the report aggregates are HELD to the end of
 * the unit and sent as one statement with COMMIT behind it, in the order the writer makes
 * them (voucher's movement, balance row, week, merchant, voucher): the aggregate rows, hot per
 * campaign, stay locked for that statement and the commit only. The conditional update and
 * the decreases carry their "exactly one row" into that statement (expect_rows).
 */
import { quotedAliases } from '../../../db/postgres';
import { holdOne, type PgUnit } from '../../../db/pg-write-behind';
import type { Step } from '../../../db/unit-of-work';
import type { LedgerStore } from './ledger-store';
import type { Voucher } from './voucher';
import type { OrderFacts } from './voucher-totals-repository';
import { VOUCHER_COLUMNS } from './vouchers-repository';

export const PG_VOUCHER_COLUMNS = quotedAliases(VOUCHER_COLUMNS);
const add = (table: string, cols: string[]) => cols.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ');

export interface RedemptionFacts {
  campaignId: string;
  merchantId: string;
  createdAt: string;
}

/** What one unit of work knows for sure about the rows it has locked or written (see the top comment). */
export interface LockedRows {
  vouchers: Map<string, Voucher>;
  nextSeq: Map<string, number>;
  redemptions: Map<string, RedemptionFacts>;
}

export const lockedRows = (): LockedRows => ({ vouchers: new Map(), nextSeq: new Map(), redemptions: new Map() });

export function pgLedgerStore(unit: PgUnit, locked: LockedRows): LedgerStore {
  function* first<R>(name: string, text: string, values: unknown[]): Step<R | undefined> {
    return (yield* unit.query<R>(name, text, values)).rows[0];
  }
  const held = (table: string, text: string, values: unknown[], error?: string) => holdOne(unit, table, text, values, error);
  return {
    *voucherForUpdate(id) {
      const mine = locked.vouchers.get(id);
      if (mine) return { ...mine };
      const v = yield* first<Voucher>('ledger_voucher_for_update', `SELECT ${PG_VOUCHER_COLUMNS} FROM vouchers WHERE id = $1 FOR UPDATE`, [id]);
      if (v) locked.vouchers.set(id, { ...v });
      return v;
    },
    *nextSeq(voucherId) {
      const known = locked.nextSeq.get(voucherId);
      if (known !== undefined) return known;
      const r = yield* first<{ n: number }>('ledger_next_seq', `SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM movements WHERE voucher_id = $1`, [voucherId]);
      return r!.n;
    },
    *insertMovement(m) {
      // The next one is known only while this unit holds the voucher (see voucherForUpdate).
      if (locked.vouchers.has(m.voucherId)) locked.nextSeq.set(m.voucherId, m.seq + 1);
      yield* held(
        'movements',
        `INSERT INTO movements (id, voucher_id, seq, kind, amount_cents, balance_after_cents, journal_id, order_id, redemption_id, actor, reason, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [m.id, m.voucherId, m.seq, m.kind, m.amountCents, m.balanceAfterCents, m.journalId, m.orderId, m.redemptionId, m.actor, m.reason, m.createdAt],
      );
    },
    *updateVoucher(u) {
      const mine = locked.vouchers.get(u.id);
      // Not locked by this unit (no writer path does that): the answer is needed now.
      if (!mine) {
        const r = yield* unit.query(
          'ledger_update_voucher',
          `UPDATE vouchers SET balance_cents = $2, status = $3, block_reason = $4 WHERE id = $1 AND balance_cents = $5 AND status = $6`,
          [u.id, u.balance, u.status, u.blockReason, u.wasBalance, u.wasStatus],
        );
        return r.rowCount === 1;
      }
      if (mine.balanceCents !== u.wasBalance || mine.status !== u.wasStatus) return false;
      locked.vouchers.set(u.id, { ...mine, balanceCents: u.balance, status: u.status as Voucher['status'], blockReason: u.blockReason });
      yield* held(
        'vouchers',
        `UPDATE vouchers SET balance_cents = $2, status = $3, block_reason = $4 WHERE id = $1 AND balance_cents = $5 AND status = $6`,
        [u.id, u.balance, u.status, u.blockReason, u.wasBalance, u.wasStatus],
        `voucher ${u.id} changed under the ledger writer`,
      );
      return true;
    },
    successor: (id) => first<Voucher>('ledger_successor', `SELECT ${PG_VOUCHER_COLUMNS} FROM vouchers WHERE reissued_from = $1`, [id]),
    *redemptionFacts(id) {
      const known = locked.redemptions.get(id);
      if (known) return known;
      return yield* first<RedemptionFacts>('ledger_redemption_facts', `SELECT campaign_id AS "campaignId", merchant_id AS "merchantId", created_at AS "createdAt" FROM redemptions WHERE id = $1`, [id]);
    },
    addWeek: (d) =>
      held(
        'campaign_week_totals',
        `INSERT INTO campaign_week_totals (campaign_id, week, sold_cents, redeemed_cents, expired_cents, cancelled_cents, adjusted_cents) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (campaign_id, week) DO UPDATE SET ${add('campaign_week_totals', ['sold_cents', 'redeemed_cents', 'expired_cents', 'cancelled_cents', 'adjusted_cents'])}`,
        [d.campaignId, d.week, d.sold, d.redeemed, d.expired, d.cancelled, d.adjusted],
      ),
    addMerchant: (d) =>
      held(
        'merchant_campaign_totals',
        `INSERT INTO merchant_campaign_totals (campaign_id, merchant_id, redemptions, redeemed_cents) VALUES ($1, $2, $3, $4)
         ON CONFLICT (campaign_id, merchant_id) DO UPDATE SET ${add('merchant_campaign_totals', ['redemptions', 'redeemed_cents'])}`,
        [d.campaignId, d.merchantId, d.redemptions, d.redeemed],
      ),
    addBalance: (d) =>
      held(
        'voucher_balance_totals',
        `INSERT INTO voucher_balance_totals (campaign_id, issued_on, expires_on, vouchers, balance_cents) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (campaign_id, issued_on, expires_on) DO UPDATE SET ${add('voucher_balance_totals', ['vouchers', 'balance_cents'])}`,
        [d.campaignId, d.issuedOn, d.expiresOn, d.vouchers, d.balance],
      ),
    // Decreases: voucher-totals.ts checks for one row changed; here the held statement does (same words).
    *weekRedeemedDown(d) {
      yield* held(
        'campaign_week_totals',
        `UPDATE campaign_week_totals SET redeemed_cents = redeemed_cents + $3 WHERE campaign_id = $1 AND week = $2`,
        [d.campaignId, d.week, d.redeemed],
        'campaign_week_totals: no row to take the decrease from',
      );
      return 1;
    },
    *merchantDown(d) {
      yield* held(
        'merchant_campaign_totals',
        `UPDATE merchant_campaign_totals SET redemptions = redemptions + $3, redeemed_cents = redeemed_cents + $4 WHERE campaign_id = $1 AND merchant_id = $2`,
        [d.campaignId, d.merchantId, d.redemptions, d.redeemed],
        'merchant_campaign_totals: no row to take the decrease from',
      );
      return 1;
    },
    *balanceDown(d) {
      yield* held(
        'voucher_balance_totals',
        `UPDATE voucher_balance_totals SET vouchers = vouchers + $4, balance_cents = balance_cents + $5 WHERE campaign_id = $1 AND issued_on = $2 AND expires_on = $3`,
        [d.campaignId, d.issuedOn, d.expiresOn, d.vouchers, d.balance],
        'voucher_balance_totals: no row to take the decrease from',
      );
      return 1;
    },
    // Issuing (order-issuance.ts): the voucher row now (its movement, held, refers to it).
    *insertVoucher(v) {
      yield* unit.query(
        'ledger_insert_voucher',
        `INSERT INTO vouchers (id, code, campaign_id, order_id, order_item_id, amount_cents, balance_cents, status, recipient_name, recipient_email, message,
           issued_at, expires_at, expiry_reminded_at, reissued_from, block_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        [v.id, v.code, v.campaignId, v.orderId, v.orderItemId, v.amountCents, v.balanceCents, v.status, v.recipientName, v.recipientEmail, v.message,
          v.issuedAt, v.expiresAt, v.expiryRemindedAt, v.reissuedFrom, v.blockReason],
      );
    },
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
    // A hot row per campaign, like the other aggregates: held to the unit's last statement.
    addBuyer: (d) =>
      held(
        'campaign_buyer_totals',
        `INSERT INTO campaign_buyer_totals (campaign_id, buyer_type, payment_method, orders, vouchers, sold_cents, paid_cents, fees_cents, bonus_cents)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (campaign_id, buyer_type, payment_method) DO UPDATE SET ${add('campaign_buyer_totals', ['orders', 'vouchers', 'sold_cents', 'paid_cents', 'fees_cents', 'bonus_cents'])}`,
        [d.campaignId, d.buyerType, d.paymentMethod, d.orders, d.vouchers, d.sold, d.paid, d.fees, d.bonus],
      ),
  };
}
