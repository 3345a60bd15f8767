import type { Database_ } from '../../../db/client';
import { done } from '../../../db/unit-of-work';
import { audit } from '../audit/audit-log';
import { sqliteJournalStore } from '../ledger/ledger-repository';
import type { Voucher } from '../vouchers/voucher';
import { sqliteLedgerStore } from '../vouchers/voucher-ledger-repository';
import { VOUCHER_COLUMNS } from '../vouchers/vouchers-repository';
import type { Redemption } from './redemption';
import { findShopRedemption, markVoided } from './redemptions-repository';
import type { TillStore } from './till-store';

/**
 * The till's hot path on SQLite as SQL prepared once per database. Building and preparing a
 * query through the query builder costs ~60–100 µs; running a prepared statement ~5 µs, and a
 * redemption runs about a dozen (see bench/redemption.bench.ts). Table and column names
 * are those of db/schema/*.ts; tests/http/redemptions*.test.ts exercise every statement.
 * The movement, the voucher's balance and the journal are written by the ledger writer's
 * stores (voucher-ledger-repository.ts, ledger-repository.ts), prepared once too.
 */
export const REDEMPTION_COLUMNS = `id, number, merchant_id AS merchantId, voucher_id AS voucherId, campaign_id AS campaignId, amount_cents AS amountCents, status,
    idempotency_key AS idempotencyKey, request_fingerprint AS requestFingerprint, actor, journal_id AS journalId, created_at AS createdAt,
    voided_at AS voidedAt, voided_by AS voidedBy, void_journal_id AS voidJournalId, statement_id AS statementId`;

function build(database: Database_) {
  const s = database.sqlite;
  return {
    voucherByCode: s.prepare<[string], Voucher>(`SELECT ${VOUCHER_COLUMNS} FROM vouchers WHERE code = ?`),
    redemptionByKey: s.prepare<[string, string], Redemption>(`SELECT ${REDEMPTION_COLUMNS} FROM redemptions WHERE merchant_id = ? AND idempotency_key = ?`),
    accepts: s.prepare<[string, string], { status: string }>(
      `SELECT m.status FROM campaign_merchants cm JOIN merchants m ON m.id = cm.merchant_id WHERE cm.merchant_id = ? AND cm.campaign_id = ?`,
    ),
    nextNumber: s.prepare<[], { n: number }>(`SELECT COALESCE(MAX(number), 0) + 1 AS n FROM redemptions`),
    // A retried call's original balance. By the voucher first: movements_voucher_seq_uq narrows
    // it to that voucher's few rows, where `redemption_id` alone scanned every movement inside
    // the write transaction (an index on redemption_id would be paid by every till call).
    balanceAfter: s.prepare<[string, string], { b: number }>(`SELECT balance_after_cents AS b FROM movements WHERE voucher_id = ? AND redemption_id = ? AND kind = 'redeem'`),
    insertRedemption: s.prepare(
      `INSERT INTO redemptions (id, number, merchant_id, voucher_id, campaign_id, amount_cents, status, idempotency_key, request_fingerprint, actor, journal_id, created_at)
       VALUES (@id, @number, @merchantId, @voucherId, @campaignId, @amountCents, 'completed', @idempotencyKey, @requestFingerprint, @actor, @journalId, @createdAt)`,
    ),
    addRedeemed: s.prepare(`UPDATE campaigns SET redeemed_cents = redeemed_cents + ? WHERE id = ?`),
    campaignLabel: s.prepare<[string], { slug: string; name: string }>(`SELECT slug, name FROM campaigns WHERE id = ?`),
  };
}

export type RedemptionStatements = ReturnType<typeof build>;
const cache = new WeakMap<Database_, RedemptionStatements>();

export function redemptionStatements(database: Database_): RedemptionStatements {
  let st = cache.get(database);
  if (!st) {
    st = build(database);
    cache.set(database, st);
  }
  return st;
}

const stores = new WeakMap<Database_, TillStore>();

/**
 * The till's store on SQLite: every step resolved at once, inside the caller's BEGIN
 * IMMEDIATE (which already locks what the PostgreSQL store locks row by row). The void's
 * reads and writes go through the query builder, as before: voids are rare.
 */
export function sqliteTillStore(database: Database_): TillStore {
  let store = stores.get(database);
  if (store) return store;
  const st = redemptionStatements(database);
  const tx = database.db;
  store = {
    ...sqliteLedgerStore(tx),
    ...sqliteJournalStore(tx),
    openRedemption(merchantId, key, code) {
      // The same three prepared statements as before, in the same order, stopping at a replay.
      const previous = st.redemptionByKey.get(merchantId, key);
      if (previous) return done({ previous, voucher: undefined, accepted: false });
      const voucher = st.voucherByCode.get(code);
      return done({ previous, voucher, accepted: voucher ? st.accepts.get(merchantId, voucher.campaignId)?.status === 'approved' : false });
    },
    balanceAfter: (voucherId, redemptionId) => done(st.balanceAfter.get(voucherId, redemptionId)!.b),
    insertRedemption: (r) => {
      const number = st.nextNumber.get()!.n;
      st.insertRedemption.run({ ...r, number });
      return done(number);
    },
    addRedeemed: (campaignId, cents) => done(void st.addRedeemed.run(cents, campaignId)),
    shopRedemptionForUpdate: (merchantId, id) => done(findShopRedemption(tx, merchantId, id)),
    markVoided: (id, at, by, journalId) => done(markVoided(tx, id, at, by, journalId)),
    audit: (e, now) => done(audit(tx, e, now)),
  };
  stores.set(database, store);
  return store;
}
