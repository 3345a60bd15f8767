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
 * Two round trips per redemption, each pipelined (db/pg-pipeline.ts): BEGIN with the key
 * lookup, the voucher lock, the acceptance and the voucher's next movement seq; then the held
 * writes (the redemption, its movement, aggregates, voucher, campaign progress, journal) as
 * prepared statements, the new redemption's number read back, and COMMIT (`ending`).
 */
import type pg from 'pg';
import { quotedAliases } from '../../../db/postgres';
import type { Sent } from '../../../db/pg-pipeline';
import { Ending, RERUN_MISS } from '../../../db/postgres-pool';
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
  /**
   * The unit's end: the held writes as its last statements (prepared, BEGIN in front if
   * nothing was sent), then the new redemption's number, read back — the pool pipelines them
   * with COMMIT — and the result with that number in it.
   */
  ending<T extends { replayed: boolean; redemption: { number: number } }>(result: T): Ending<T>;
}

/** `begins`: the store sends the unit's BEGIN with its first message (UnitOptions.unitBegins). */
export function pgTillStore(client: pg.ClientBase, o: { begins?: boolean } = {}): PgTillStore {
  const unit: PgUnit = pgUnit(client, o);
  const locked = lockedRows();
  /** The redemption this unit inserted (held), whose number the tail reads back. */
  let inserted: string | null = null;
  function* first<R>(name: string, text: string, values: unknown[]): Step<R | undefined> {
    return (yield* unit.query<R>(name, text, values)).rows[0];
  }
  const held = (table: string, text: string, values: unknown[], error?: string) => holdOne(unit, table, text, values, error);
  return {
    ...pgLedgerStore(unit, locked),
    ...pgJournalStore(unit),
    ending(result) {
      const tail: Sent[] = unit.tail();
      if (inserted === null || result.replayed) return new Ending(result, tail);
      tail.push({ name: 'till_redemption_number', text: `SELECT number FROM redemptions WHERE id = $1`, values: [inserted] });
      const finish = (answers: pg.QueryResult[]) => {
        const number = (answers[answers.length - 1]!.rows[0] as { number: number }).number;
        return { ...result, redemption: { ...result.redemption, number } };
      };
      return new Ending(result, tail, { finish });
    },
    *openRedemption(merchantId, key, code) {
      // One round trip, four prepared statements, each with its own snapshot: the key lookup, the
      // voucher's lock (a wait here is followed by READ COMMITTED's re-read of the row), then
      // the acceptance and the voucher's next movement seq, read after the lock — so with a
      // snapshot that sees every movement committed on it (a subquery of the statement that
      // waited for the lock would not). A replay locks its voucher too, briefly.
      const [previous, voucher, accepts, next] = yield* unit.pipeline([
        { name: 'till_key_lookup', text: `SELECT ${RCOLS} FROM redemptions WHERE merchant_id = $1 AND idempotency_key = $2`, values: [merchantId, key] },
        { name: 'till_voucher_for_update', text: `SELECT ${PG_VOUCHER_COLUMNS} FROM vouchers WHERE code = $1 FOR UPDATE`, values: [code] },
        {
          name: 'till_acceptance',
          text: `SELECT m.status FROM vouchers v JOIN campaign_merchants cm ON cm.campaign_id = v.campaign_id JOIN merchants m ON m.id = cm.merchant_id
                 WHERE v.code = $2 AND cm.merchant_id = $1`,
          values: [merchantId, code],
        },
        {
          name: 'till_next_seq',
          text: `SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM movements WHERE voucher_id = (SELECT id FROM vouchers WHERE code = $1)`,
          values: [code],
        },
      ]);
      const v = voucher![0] as Voucher | undefined;
      if (v) {
        locked.vouchers.set(v.id, { ...v });
        locked.nextSeq.set(v.id, (next![0] as { n: number }).n);
      }
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
      // Held (the unit's tail), checked to insert one row: a key another unit took meanwhile
      // (ON CONFLICT DO NOTHING, no row) misses, and the pool runs the unit again (RERUN_MISS),
      // where the lookup finds the winner. Its number (the sequence's default) is read in the
      // tail too, after the insert: 0 until then, set by `ending` (the service only returns it).
      yield* held(
        'redemptions',
        `INSERT INTO redemptions (id, merchant_id, voucher_id, campaign_id, amount_cents, status, idempotency_key, request_fingerprint, actor, journal_id, created_at)
         VALUES ($1, $2, $3, $4, $5, 'completed', $6, $7, $8, $9, $10)
         ON CONFLICT (merchant_id, idempotency_key) DO NOTHING`,
        [r.id, r.merchantId, r.voucherId, r.campaignId, r.amountCents, r.idempotencyKey, r.requestFingerprint, r.actor, r.journalId, r.createdAt],
        `${RERUN_MISS}idempotency key of shop ${r.merchantId} taken concurrently`,
      );
      inserted = r.id;
      locked.redemptions.set(r.id, { campaignId: r.campaignId, merchantId: r.merchantId, createdAt: r.createdAt });
      return 0;
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
