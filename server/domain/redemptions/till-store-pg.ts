/**
 * The till's store on PostgreSQL (see till-store.ts): named prepared statements on the unit
 * of work's pooled connection, READ COMMITTED. What makes it right without a global lock:
 * - the redemption locks its voucher only (`FOR UPDATE`): two tills on the same voucher
 *   queue there, and the second re-reads the balance the first left;
 * - idempotency is the unique (merchant_id, idempotency_key) index: the insert is
 *   `ON CONFLICT DO NOTHING`, and a key taken meanwhile sends the unit of work round again,
 *   where the lookup finds the winner's redemption;
 * - redemption numbers come from redemption_number_seq (the column's default);
 * - a void locks its redemption, then its voucher (the redemption path's order).
 */
import type pg from 'pg';
import { preparedOn, quotedAliases } from '../../../db/postgres';
import { awaited } from '../../../db/unit-of-work';
import { pgAudit } from '../audit/audit-store-pg';
import { pgJournalStore } from '../ledger/ledger-repository-pg';
import type { Voucher } from '../vouchers/voucher';
import { pgLedgerStore } from '../vouchers/voucher-ledger-repository-pg';
import { VOUCHER_COLUMNS } from '../vouchers/vouchers-repository';
import type { Redemption } from './redemption';
import { REDEMPTION_COLUMNS } from './redemption-statements';
import type { TillStore } from './till-store';

const VCOLS = quotedAliases(VOUCHER_COLUMNS);
const RCOLS = quotedAliases(REDEMPTION_COLUMNS);

export function pgTillStore(client: pg.ClientBase): TillStore {
  const q = preparedOn(client);
  const first = <R,>(name: string, text: string, values: unknown[]) => awaited(async () => (await q<R>(name, text, values)).rows[0]);
  const run = (name: string, text: string, values: unknown[]) => awaited(async () => void (await q(name, text, values)));
  return {
    ...pgLedgerStore(client),
    ...pgJournalStore(client),
    redemptionByKey: (merchantId, key) =>
      first<Redemption>('till_redemption_by_key', `SELECT ${RCOLS} FROM redemptions WHERE merchant_id = $1 AND idempotency_key = $2`, [merchantId, key]),
    *balanceAfter(voucherId, redemptionId) {
      const r = yield* first<{ b: number }>(
        'till_balance_after',
        `SELECT balance_after_cents AS b FROM movements WHERE voucher_id = $1 AND redemption_id = $2 AND kind = 'redeem'`,
        [voucherId, redemptionId],
      );
      return r!.b;
    },
    voucherByCodeForUpdate: (code) => first<Voucher>('till_voucher_by_code_for_update', `SELECT ${VCOLS} FROM vouchers WHERE code = $1 FOR UPDATE`, [code]),
    *acceptedHere(merchantId, campaignId) {
      const r = yield* first<{ status: string }>(
        'till_accepts',
        `SELECT m.status FROM campaign_merchants cm JOIN merchants m ON m.id = cm.merchant_id WHERE cm.merchant_id = $1 AND cm.campaign_id = $2`,
        [merchantId, campaignId],
      );
      return r?.status === 'approved';
    },
    *insertRedemption(r) {
      const row = yield* first<{ number: number }>(
        'till_insert_redemption',
        `INSERT INTO redemptions (id, merchant_id, voucher_id, campaign_id, amount_cents, status, idempotency_key, request_fingerprint, actor, journal_id, created_at)
         VALUES ($1, $2, $3, $4, $5, 'completed', $6, $7, $8, $9, $10)
         ON CONFLICT (merchant_id, idempotency_key) DO NOTHING RETURNING number`,
        [r.id, r.merchantId, r.voucherId, r.campaignId, r.amountCents, r.idempotencyKey, r.requestFingerprint, r.actor, r.journalId, r.createdAt],
      );
      return row ? row.number : null;
    },
    addRedeemed: (campaignId, cents) => run('till_add_redeemed', `UPDATE campaigns SET redeemed_cents = redeemed_cents + $2 WHERE id = $1`, [campaignId, cents]),
    shopRedemptionForUpdate: (merchantId, id) =>
      first<Redemption>('till_shop_redemption_for_update', `SELECT ${RCOLS} FROM redemptions WHERE id = $1 AND merchant_id = $2 FOR UPDATE`, [id, merchantId]),
    *markVoided(id, at, by, journalId) {
      const n = yield* awaited(async () =>
        (await q(
          'till_mark_voided',
          `UPDATE redemptions SET status = 'voided', voided_at = $2, voided_by = $3, void_journal_id = $4 WHERE id = $1 AND status = 'completed' AND statement_id IS NULL`,
          [id, at, by, journalId],
        )).rowCount,
      );
      return n === 1;
    },
    audit: pgAudit(client),
  };
}
