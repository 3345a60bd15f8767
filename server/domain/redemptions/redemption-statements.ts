import type { Database_ } from '../../../db/client';
import type { Voucher } from '../vouchers/voucher';
import { VOUCHER_COLUMNS } from '../vouchers/vouchers-repository';
import type { Redemption } from './redemption';

/**
 * The till's hot path as SQL prepared once per database. Building and preparing a query
 * through the query builder costs ~60–100 µs; running a prepared statement ~5 µs, and a
 * redemption runs about a dozen (see bench/redemption.bench.ts). Table and column names
 * are those of db/schema/*.ts; tests/http/redemptions*.test.ts exercise every statement.
 * The movement and the voucher's balance are written by the ledger writer
 * (vouchers/voucher-ledger.ts), whose statements are prepared once too.
 */
function build(database: Database_) {
  const s = database.sqlite;
  const redemptionCols = `id, number, merchant_id AS merchantId, voucher_id AS voucherId, campaign_id AS campaignId, amount_cents AS amountCents, status,
    idempotency_key AS idempotencyKey, request_fingerprint AS requestFingerprint, actor, journal_id AS journalId, created_at AS createdAt,
    voided_at AS voidedAt, voided_by AS voidedBy, void_journal_id AS voidJournalId, statement_id AS statementId`;
  return {
    voucherByCode: s.prepare<[string], Voucher>(`SELECT ${VOUCHER_COLUMNS} FROM vouchers WHERE code = ?`),
    redemptionByKey: s.prepare<[string, string], Redemption>(`SELECT ${redemptionCols} FROM redemptions WHERE merchant_id = ? AND idempotency_key = ?`),
    accepts: s.prepare<[string, string], { status: string }>(
      `SELECT m.status FROM campaign_merchants cm JOIN merchants m ON m.id = cm.merchant_id WHERE cm.merchant_id = ? AND cm.campaign_id = ?`,
    ),
    nextNumber: s.prepare<[], { n: number }>(`SELECT COALESCE(MAX(number), 0) + 1 AS n FROM redemptions`),
    // A retried call's original balance. By the voucher first: movements_voucher_seq_uq narrows
    // it to that voucher's few rows, where `redemption_id` alone scanned every movement inside
    // the write transaction (an index on redemption_id would be paid by every till call).
    balanceAfter: s.prepare<[string, string], { b: number }>(`SELECT balance_after_cents AS b FROM movements WHERE voucher_id = ? AND redemption_id = ? AND kind = 'redeem'`),
    // The journal's number in its accounting journal (see ledger-repository nextEntryNumber).
    nextEntryNumber: s.prepare<[string], { n: number }>(
      `INSERT INTO journal_counters (journal_code, last_number) VALUES (?, 1) ON CONFLICT (journal_code) DO UPDATE SET last_number = last_number + 1 RETURNING last_number AS n`,
    ),
    insertJournal: s.prepare(
      `INSERT INTO journals (id, kind, description, order_id, created_at, journal_code, entry_number) VALUES (@id, @kind, @description, NULL, @createdAt, @journalCode, @entryNumber)`,
    ),
    insertLine: s.prepare(`INSERT INTO journal_lines (journal_id, account, amount_cents) VALUES (?, ?, ?)`),
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
