import { and, desc, eq, gte, isNull, lt } from 'drizzle-orm';
import type { Database_, Tx } from '../../../db/client';
import { merchants, movements, redemptions, vouchers } from '../../../db/schema/index';
import type { Redemption } from './redemption';

/** Scoped to the shop: another shop's redemption is simply not found. */
export function findShopRedemption(tx: Tx, merchantId: string, id: string): Redemption | undefined {
  return tx.select().from(redemptions).where(and(eq(redemptions.id, id), eq(redemptions.merchantId, merchantId))).get();
}

/**
 * Conditional: only a completed redemption that no statement has paid. Under the
 * transaction's lock the caller has just checked both; a false return means the row moved
 * under it, and the caller rolls back.
 */
export function markVoided(tx: Tx, id: string, at: string, by: string, journalId: string): boolean {
  const res = tx
    .update(redemptions)
    .set({ status: 'voided', voidedAt: at, voidedBy: by, voidJournalId: journalId })
    .where(and(eq(redemptions.id, id), eq(redemptions.status, 'completed'), isNull(redemptions.statementId)))
    .run();
  return res.changes === 1;
}

export interface RedemptionFilter {
  from?: string;
  to?: string;
  status?: 'completed' | 'voided';
  limit?: number;
}

/** A shop's redemptions with the voucher code, newest first. */
export function listShopRedemptions(tx: Tx, merchantId: string, f: RedemptionFilter = {}) {
  const conds = [eq(redemptions.merchantId, merchantId)];
  if (f.from) conds.push(gte(redemptions.createdAt, f.from));
  if (f.to) conds.push(lt(redemptions.createdAt, f.to));
  if (f.status) conds.push(eq(redemptions.status, f.status));
  return tx
    .select({ r: redemptions, code: vouchers.code })
    .from(redemptions)
    .innerJoin(vouchers, eq(vouchers.id, redemptions.voucherId))
    .where(and(...conds))
    .orderBy(desc(redemptions.createdAt), desc(redemptions.number))
    .limit(f.limit ?? 10_000)
    .all();
}

/**
 * A voucher's use history for its holder: date, shop, amount, voided or not. Read through
 * the voucher's `redeem` movements (movements_voucher_seq_uq), each pointing at its
 * redemption by primary key: redemptions has no index on voucher_id (every index there is
 * paid by each till call), so filtering it by voucher scanned all history.
 */
export function voucherHistory(tx: Tx, voucherId: string) {
  return tx
    .select({ createdAt: redemptions.createdAt, amountCents: redemptions.amountCents, status: redemptions.status, merchantName: merchants.name, city: merchants.city })
    .from(movements)
    .innerJoin(redemptions, eq(redemptions.id, movements.redemptionId))
    .innerJoin(merchants, eq(merchants.id, redemptions.merchantId))
    .where(and(eq(movements.voucherId, voucherId), eq(movements.kind, 'redeem')))
    .orderBy(desc(redemptions.createdAt))
    .all();
}

export interface ShopRedemptionLine {
  id: string;
  number: number;
  createdAt: string;
  amountCents: number;
  status: 'completed' | 'voided';
  voidedAt: string | null;
  actor: string;
  code: string;
}

/** Rows per read: each page is one short indexed read, the loop is free between pages. */
export const SHOP_REDEMPTION_PAGE = 500;

/** One page of `shopRedemptionLines` (exported for the query-plan tests). */
export const SHOP_REDEMPTIONS_PAGE_SQL = `
    SELECT r.id, r.number, r.created_at AS createdAt, r.amount_cents AS amountCents, r.status, r.voided_at AS voidedAt, r.actor, v.code
    FROM redemptions r JOIN vouchers v ON v.id = r.voucher_id
    WHERE r.merchant_id = ? AND r.created_at >= ? AND (r.created_at, r.number) < (?, ?)
      AND (? IS NULL OR r.status = ?)
    ORDER BY r.created_at DESC, r.number DESC LIMIT ${SHOP_REDEMPTION_PAGE}`;

/**
 * All of a shop's redemptions of a period, newest first, for its CSV export: no cap (the
 * file holds the whole period), read in pages by keyset over
 * `redemptions_merchant_id_created_at_number_idx` — each page starts where the last one
 * ended (`(created_at, number) < last`), so page n costs what page 1 costs and nothing is
 * held open between pages (the caller streams each page out before asking for the next).
 */
export function* shopRedemptionLines(database: Database_, merchantId: string, f: Omit<RedemptionFilter, 'limit'> = {}): Generator<ShopRedemptionLine> {
  const status = f.status ?? null;
  const page = database.sqlite.prepare<[string, string, string, number, string | null, string | null], ShopRedemptionLine>(SHOP_REDEMPTIONS_PAGE_SQL);
  const from = f.from ?? '';
  // The end of the period is the first cursor: `created_at < to` is `(created_at, number) < (to, −∞)`.
  // A separate `created_at < to` would make SQLite range on it alone and walk every earlier
  // page again for each page (quadratic); the row value keeps the range tight.
  let after: [string, number] = [f.to ?? '9999', Number.MIN_SAFE_INTEGER];
  for (;;) {
    const rows = page.all(merchantId, from, after[0], after[1], status, status);
    yield* rows;
    if (rows.length < SHOP_REDEMPTION_PAGE) return;
    const last = rows[rows.length - 1]!;
    after = [last.createdAt, last.number];
  }
}
