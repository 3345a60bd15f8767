/**
 * The expiry's store on PostgreSQL (see expiry-store.ts), READ COMMITTED like every money
 * path (db/postgres-pool.ts). A chunk locks its vouchers as it reads them (`FOR UPDATE`, in id
 * order): a till redeeming one of them waits for the chunk, or the chunk waits for the till
 * and then re-checks the row as the till left it (PostgreSQL re-evaluates the WHERE on the
 * latest version), so a voucher spent meanwhile is left out and two runs at once never
 * expire a voucher twice. The keyset walks vouchers_campaign_id_idx (campaign_id, id).
 */
import type pg from 'pg';
import type { PgUnit } from '../../../db/pg-write-behind';
import { pgAudit } from '../audit/audit-log-pg';
import { pgJournalStore } from '../ledger/ledger-repository-pg';
import type { BreakageRule, Weight } from './breakage';
import { expirable } from './expiry-rules';
import type { ExpiryCandidate, ExpiryStore } from './expiry-store';
import { lockedRows, pgLedgerStore, PG_VOUCHER_COLUMNS } from './voucher-ledger-repository-pg';
import type { Voucher } from './voucher';

/** Vouchers due per campaign, read outside any unit of work (an estimate: each chunk re-reads). */
export async function pgExpiryDue(pool: pg.Pool, at: string): Promise<{ campaignId: string; n: number }[]> {
  const r = await pool.query(`SELECT campaign_id AS "campaignId", COUNT(*)::int AS n FROM vouchers WHERE ${expirable('$1')} GROUP BY campaign_id`, [at]);
  return r.rows as { campaignId: string; n: number }[];
}

export function pgExpiryStore(unit: PgUnit): ExpiryStore {
  const rows = <R,>(name: string, text: string, values: unknown[]) =>
    (function* () {
      return (yield* unit.query<R>(name, text, values)).rows;
    })();
  const locked = lockedRows();
  return {
    ...pgLedgerStore(unit, locked),
    ...pgJournalStore(unit),
    *campaign(id) {
      return (yield* rows<{ slug: string; rule: BreakageRule }>('expiry_campaign', `SELECT slug, breakage_rule AS rule FROM campaigns WHERE id = $1`, [id]))[0]!;
    },
    *dueChunk(campaignId, after, at, limit) {
      // The whole rows, locked, and each one's next movement seq read AFTER the lock (its own
      // statement, so its snapshot sees every committed movement): the ledger writer then
      // answers its re-reads from LockedRows, and the chunk costs one round trip per voucher
      // (its held writes) instead of three.
      const due = yield* rows<Voucher>(
        'expiry_chunk',
        `SELECT ${PG_VOUCHER_COLUMNS} FROM vouchers
         WHERE campaign_id = $1 AND id > $2 AND ${expirable('$3')} ORDER BY id LIMIT $4 FOR UPDATE`,
        [campaignId, after ?? '', at, limit],
      );
      if (due.length === 0) return [];
      const seqs = yield* rows<{ voucherId: string; n: number }>(
        'expiry_next_seqs',
        `SELECT voucher_id AS "voucherId", MAX(seq) + 1 AS n FROM movements WHERE voucher_id = ANY($1::text[]) GROUP BY voucher_id`,
        [due.map((v) => v.id)],
      );
      const next = new Map(seqs.map((r) => [r.voucherId, r.n]));
      for (const v of due) {
        locked.vouchers.set(v.id, { ...v });
        locked.nextSeq.set(v.id, next.get(v.id) ?? 1);
      }
      return due.map((v): ExpiryCandidate => ({ after: v.id, id: v.id, balanceCents: v.balanceCents }));
    },
    redeemedByMerchant: (campaignId) =>
      rows<Weight>(
        'expiry_redeemed_by_merchant',
        `SELECT merchant_id AS key, SUM(amount_cents)::bigint AS weight FROM redemptions WHERE campaign_id = $1 AND status = 'completed' GROUP BY merchant_id`,
        [campaignId],
      ),
    audit: pgAudit(unit),
  };
}
