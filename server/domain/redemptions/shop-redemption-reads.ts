import { pgSelectList } from '../../../db/pg-select-list';
import type { ReadProgram, StreamProgram } from '../../../db/read-program';
import { redemptions } from '../../../db/schema/index';
import type { Redemption } from './redemption';

/**
 * A shop's redemptions as its dashboard, its CSV export and its POS API list them: read
 * programs (db/read-program.ts), portable SQL written once for SQLite and PostgreSQL. The
 * quoted camelCase aliases are the repository's row shape on both (SQLite accepts them).
 */

export interface RedemptionFilter {
  from?: string;
  to?: string;
  status?: 'completed' | 'voided';
  limit?: number;
}

export interface ShopRedemptionRow {
  r: Redemption;
  code: string;
}

const REDEMPTION = pgSelectList(redemptions, 'r.');

/** A shop's redemptions with the voucher code, newest first (at most `limit`, 10 000 by default). */
export function* shopRedemptionsProgram(merchantId: string, f: RedemptionFilter = {}): ReadProgram<ShopRedemptionRow[]> {
  const rows = yield {
    sql: `SELECT ${REDEMPTION}, v.code AS "voucherCode"
          FROM redemptions r JOIN vouchers v ON v.id = r.voucher_id
          WHERE r.merchant_id = @merchant ${f.from ? 'AND r.created_at >= @from' : ''} ${f.to ? 'AND r.created_at < @to' : ''} ${f.status ? 'AND r.status = @status' : ''}
          ORDER BY r.created_at DESC, r.number DESC LIMIT @limit`,
    params: { merchant: merchantId, limit: f.limit ?? 10_000, ...(f.from && { from: f.from }), ...(f.to && { to: f.to }), ...(f.status && { status: f.status }) },
  };
  return rows.map(({ voucherCode, ...r }) => ({ r: r as unknown as Redemption, code: voucherCode as string }));
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

const PAGE_SQL = `
    SELECT r.id, r.number, r.created_at AS "createdAt", r.amount_cents AS "amountCents", r.status, r.voided_at AS "voidedAt", r.actor, v.code
    FROM redemptions r JOIN vouchers v ON v.id = r.voucher_id
    WHERE r.merchant_id = @merchant AND r.created_at >= @from AND (r.created_at, r.number) < (@at, @number)
      AND (CAST(@status AS TEXT) IS NULL OR r.status = @status)
    ORDER BY r.created_at DESC, r.number DESC LIMIT ${SHOP_REDEMPTION_PAGE}`;

/** One page of the export with positional parameters in the order merchant, from, at, number, status, status (the query-plan tests). */
export const SHOP_REDEMPTIONS_PAGE_SQL = PAGE_SQL.replace(/@[a-z]+/g, '?');

/**
 * All of a shop's redemptions of a period, newest first, for its CSV export: no cap (the
 * file holds the whole period), read in pages by keyset over
 * `redemptions_merchant_id_created_at_number_idx` — each page starts where the last one
 * ended (`(created_at, number) < last`), so page n costs what page 1 costs and nothing is
 * held open between pages (the caller streams each page out before asking for the next).
 * Run by streamSync (SQLite) or streamAsync (PostgreSQL, each page its own query on a pooled connection).
 */
export function* shopRedemptionLinesProgram(merchantId: string, f: Omit<RedemptionFilter, 'limit'> = {}): StreamProgram<ShopRedemptionLine> {
  const status = f.status ?? null;
  const from = f.from ?? '';
  // The end of the period is the first cursor: `created_at < to` is `(created_at, number) < (to, −∞)`.
  // A separate `created_at < to` would make SQLite range on it alone and walk every earlier
  // page again for each page (quadratic); the row value keeps the range tight.
  let after: [string, number] = [f.to ?? '9999', Number.MIN_SAFE_INTEGER];
  for (;;) {
    const rows = (yield { read: { sql: PAGE_SQL, params: { merchant: merchantId, from, at: after[0], number: after[1], status } } }) as unknown as ShopRedemptionLine[];
    for (const out of rows) yield { out };
    if (rows.length < SHOP_REDEMPTION_PAGE) return;
    const last = rows[rows.length - 1]!;
    after = [last.createdAt, last.number];
  }
}
