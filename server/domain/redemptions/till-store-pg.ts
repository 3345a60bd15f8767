/**
 * The till's store on PostgreSQL (see till-store.ts): named prepared statements on the unit
 * of work's pooled connection, READ COMMITTED, the hot writes held to the unit's last
 * statement (db/pg-write-behind.ts). What makes it right without a global lock:
 * - the redemption locks its voucher only (`FOR UPDATE`): two tills on the same voucher
 *   queue there, and the second re-reads the balance the first left;
 * - idempotency is the unique (merchant_id, idempotency_key) index: the insert is
 *   `ON CONFLICT DO NOTHING`, and a key taken meanwhile sends the unit of work round again,
 *   where the lookup finds the winner's redemption;
 * - redemption numbers come from redemption_number_seq (the column's default);
 * - a void locks its redemption, then its voucher (the redemption path's order).
 * Round trips of a redemption: BEGIN with the key lookup, voucher lock and acceptance, pipelined;
 * the redemption insert (which also reads the voucher's next movement seq, after the lock);
 * then the held writes (movement, aggregates, voucher, campaign progress, journal) as
 * prepared statements pipelined with COMMIT (`tail`, db/pg-pipeline.ts).
 */
import type pg from 'pg';
import { quotedAliases } from '../../../db/postgres';
import type { Sent } from '../../../db/pg-pipeline';
import { holdOne, pgUnit, type PgUnit } from '../../../db/pg-write-behind';
import type { Step } from '../../../db/unit-of-work';
import { pgAudit } from '../audit/audit-log-pg';
import { pgJournalStore } from '../ledger/ledger-repository-pg';
import type { Voucher } from '../vouchers/voucher';
import { lockedRows, pgLedgerStore, PG_VOUCHER_COLUMNS } from '../vouchers/voucher-ledger-repository-pg';
import type { Redemption } from './redemption';
import { REDEMPTION_COLUMNS } from './redemption-statements';
import type { TillStore } from './till-store';

const RCOLS = quotedAliases(REDEMPTION_COLUMNS);

export interface PgTillStore extends TillStore {
  /** The held writes as the unit's last statements (prepared, BEGIN in front if nothing was sent): the pool pipelines them with COMMIT. */
  tail(): Sent[];
}

/** `begins`: the store sends the unit's BEGIN with its first message (UnitOptions.unitBegins). */
export function pgTillStore(client: pg.ClientBase, o: { begins?: boolean } = {}): PgTillStore {
  const unit: PgUnit = pgUnit(client, o);
  const locked = lockedRows();
  function* first<R>(name: string, text: string, values: unknown[]): Step<R | undefined> {
    return (yield* unit.query<R>(name, text, values)).rows[0];
  }
  const held = (table: string, text: string, values: unknown[], error?: string) => holdOne(unit, table, text, values, error);
  return {
    ...pgLedgerStore(unit, locked),
    ...pgJournalStore(unit),
    tail: () => unit.tail(),
    *openRedemption(merchantId, key, code) {
      // One round trip, three prepared statements, each with its own snapshot: the key lookup, the
      // voucher's lock (a wait here is followed by READ COMMITTED's re-read of the row), then
      // the acceptance, read after the lock. A replay locks its voucher too, briefly.
      const [previous, voucher, accepts] = yield* unit.pipeline([
        { name: 'till_key_lookup', text: `SELECT ${RCOLS} FROM redemptions WHERE merchant_id = $1 AND idempotency_key = $2`, values: [merchantId, key] },
        { name: 'till_voucher_for_update', text: `SELECT ${PG_VOUCHER_COLUMNS} FROM vouchers WHERE code = $1 FOR UPDATE`, values: [code] },
        {
          name: 'till_acceptance',
          text: `SELECT m.status FROM vouchers v JOIN campaign_merchants cm ON cm.campaign_id = v.campaign_id JOIN merchants m ON m.id = cm.merchant_id
                 WHERE v.code = $2 AND cm.merchant_id = $1`,
          values: [merchantId, code],
        },
      ]);
      const v = voucher![0] as Voucher | undefined;
      if (v) locked.vouchers.set(v.id, { ...v });
      return { previous: previous![0] as Redemption | undefined, voucher: v, accepted: accepts![0]?.status === 'approved' };
    },
    *balanceAfter(voucherId, redemptionId) {
      const r = yield* first<{ b: number }>(
        'till_balance_after',
        `SELECT balance_after_cents AS b FROM movements WHERE voucher_id = $1 AND redemption_id = $2 AND kind = 'redeem'`,
        [voucherId, redemptionId],
      );
      return r!.b;
    },
    *insertRedemption(r) {
      // The voucher is locked by an earlier statement of this unit, so this statement's
      // snapshot sees every movement committed on it: its next seq, for the ledger writer.
      const row = yield* first<{ number: number; next_seq: number }>(
        'till_insert_redemption',
        `INSERT INTO redemptions (id, merchant_id, voucher_id, campaign_id, amount_cents, status, idempotency_key, request_fingerprint, actor, journal_id, created_at)
         VALUES ($1, $2, $3, $4, $5, 'completed', $6, $7, $8, $9, $10)
         ON CONFLICT (merchant_id, idempotency_key) DO NOTHING
         RETURNING number, (SELECT COALESCE(MAX(seq), 0) + 1 FROM movements WHERE voucher_id = $3) AS next_seq`,
        [r.id, r.merchantId, r.voucherId, r.campaignId, r.amountCents, r.idempotencyKey, r.requestFingerprint, r.actor, r.journalId, r.createdAt],
      );
      if (!row) return null;
      if (locked.vouchers.has(r.voucherId)) locked.nextSeq.set(r.voucherId, row.next_seq);
      locked.redemptions.set(r.id, { campaignId: r.campaignId, merchantId: r.merchantId, createdAt: r.createdAt });
      return row.number;
    },
    addRedeemed: (campaignId, cents) => held('campaigns', `UPDATE campaigns SET redeemed_cents = redeemed_cents + $2 WHERE id = $1`, [campaignId, cents]),
    *shopRedemptionForUpdate(merchantId, id) {
      const r = yield* first<Redemption>('till_shop_redemption_for_update', `SELECT ${RCOLS} FROM redemptions WHERE id = $1 AND merchant_id = $2 FOR UPDATE`, [id, merchantId]);
      if (r) locked.redemptions.set(r.id, { campaignId: r.campaignId, merchantId: r.merchantId, createdAt: r.createdAt });
      return r;
    },
    *markVoided(id, at, by, journalId) {
      // The redemption is locked by this unit (shopRedemptionForUpdate) and was read completed
      // and unsettled: the held update is checked to change it all the same.
      yield* held(
        'redemptions',
        `UPDATE redemptions SET status = 'voided', voided_at = $2, voided_by = $3, void_journal_id = $4 WHERE id = $1 AND status = 'completed' AND statement_id IS NULL`,
        [id, at, by, journalId],
        `redemption ${id} changed under its void`,
      );
      return true;
    },
    audit: pgAudit(unit),
  };
}
