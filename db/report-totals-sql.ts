/**
 * The report aggregates (db/schema/report-totals.ts) as set-based recomputations from the
 * ledger tables: `check-ledger` compares each table with its recomputation, and
 * `rebuildReportTotals` (migration 0017's backfill, data built with raw SQL in bench/)
 * writes them. The ledger writer keeps the same figures row by row
 * (server/domain/vouchers/voucher-totals.ts); the definitions are in the schema file.
 *
 * Dialect: the Monday of a day's week is the only difference (`weekOf`); check-ledger runs
 * the same comparison on PostgreSQL (`reportTotalsFor('postgres')`).
 */
import type Database from 'better-sqlite3';
import type { Dialect } from './read-program';

/** The Monday (YYYY-MM-DD) of the week of `col`, a YYYY-MM-DD text column. */
export const weekOf = (col: string, dialect: Dialect = 'sqlite') =>
  dialect === 'sqlite' ? `date(${col}, '-6 days', 'weekday 1')` : `to_char(date_trunc('week', (${col})::date), 'YYYY-MM-DD')`;

export interface ReportTotalsTable {
  table: string;
  keys: string[];
  values: string[];
  /** Rows the table must hold (keys then values, in that order), all-zero rows left out. */
  recompute: string;
}

const nonZero = (values: string[]) => values.map((v) => `${v} != 0`).join(' OR ');

export const reportTotalsFor = (dialect: Dialect): ReportTotalsTable[] => [
  {
    table: 'campaign_week_totals',
    keys: ['campaign_id', 'week'],
    values: ['sold_cents', 'redeemed_cents', 'expired_cents', 'cancelled_cents', 'adjusted_cents'],
    // Grouped by day first (a string prefix), then days into weeks: the date arithmetic runs
    // once per campaign and day instead of once per row of history.
    recompute: `SELECT campaign_id, ${weekOf('day', dialect)} AS week, SUM(sold) AS sold_cents, SUM(redeemed) AS redeemed_cents, SUM(expired) AS expired_cents,
             SUM(cancelled) AS cancelled_cents, SUM(adjusted) AS adjusted_cents
      FROM (
        SELECT campaign_id, substr(issued_at, 1, 10) AS day, SUM(amount_cents) AS sold, 0 AS redeemed, 0 AS expired, 0 AS cancelled, 0 AS adjusted
          FROM vouchers WHERE reissued_from IS NULL GROUP BY campaign_id, substr(issued_at, 1, 10)
        UNION ALL
        SELECT campaign_id, substr(created_at, 1, 10), 0, SUM(amount_cents), 0, 0, 0 FROM redemptions WHERE status = 'completed' GROUP BY campaign_id, substr(created_at, 1, 10)
        UNION ALL
        SELECT v.campaign_id, substr(m.created_at, 1, 10), 0, 0,
               SUM(CASE WHEN m.kind = 'expire' THEN -m.amount_cents ELSE 0 END),
               SUM(CASE WHEN m.kind IN ('cancel', 'issue') THEN -m.amount_cents ELSE 0 END),
               SUM(CASE WHEN m.kind = 'adjust' THEN m.amount_cents ELSE 0 END)
          FROM movements m JOIN vouchers v ON v.id = m.voucher_id
         WHERE m.kind IN ('expire', 'cancel', 'adjust') OR (m.kind = 'issue' AND v.reissued_from IS NOT NULL)
         GROUP BY v.campaign_id, substr(m.created_at, 1, 10)
      ) t GROUP BY campaign_id, ${weekOf('day', dialect)}`,
  },
  {
    table: 'merchant_campaign_totals',
    keys: ['campaign_id', 'merchant_id'],
    values: ['redemptions', 'redeemed_cents'],
    recompute: `SELECT campaign_id, merchant_id, COUNT(*) AS redemptions, SUM(amount_cents) AS redeemed_cents
      FROM redemptions WHERE status = 'completed' GROUP BY campaign_id, merchant_id`,
  },
  {
    table: 'campaign_buyer_totals',
    keys: ['campaign_id', 'buyer_type', 'payment_method'],
    values: ['orders', 'vouchers', 'sold_cents', 'paid_cents', 'fees_cents', 'bonus_cents'],
    recompute: `SELECT campaign_id, buyer_type, payment_method, SUM(orders) AS orders, SUM(vouchers) AS vouchers, SUM(sold) AS sold_cents,
             SUM(paid) AS paid_cents, SUM(fees) AS fees_cents, SUM(bonus) AS bonus_cents
      FROM (
        SELECT v.campaign_id, o.buyer_type, o.payment_method, 0 AS orders, COUNT(*) AS vouchers, SUM(v.amount_cents) AS sold, 0 AS paid, 0 AS fees, 0 AS bonus
          FROM vouchers v JOIN orders o ON o.id = v.order_id WHERE v.reissued_from IS NULL GROUP BY v.campaign_id, o.buyer_type, o.payment_method
        UNION ALL
        SELECT o.campaign_id, o.buyer_type, o.payment_method, COUNT(*), 0, 0, SUM(o.total_cents), SUM(o.fee_cents + o.fee_vat_cents), SUM(o.bonus_cents)
          FROM orders o WHERE EXISTS (SELECT 1 FROM vouchers v WHERE v.order_id = o.id AND v.reissued_from IS NULL)
         GROUP BY o.campaign_id, o.buyer_type, o.payment_method
      ) t GROUP BY campaign_id, buyer_type, payment_method`,
  },
  {
    table: 'voucher_balance_totals',
    keys: ['campaign_id', 'issued_on', 'expires_on'],
    values: ['vouchers', 'balance_cents'],
    recompute: `SELECT campaign_id, substr(issued_at, 1, 10) AS issued_on, substr(expires_at, 1, 10) AS expires_on, COUNT(*) AS vouchers, SUM(balance_cents) AS balance_cents
      FROM vouchers WHERE balance_cents > 0 GROUP BY campaign_id, substr(issued_at, 1, 10), substr(expires_at, 1, 10)`,
  },
];

export const REPORT_TOTALS = reportTotalsFor('sqlite');

/** The query listing the rows where the table and its recomputation differ (`side`: 'ledger' = what it should hold, 'table' = what it holds). */
export function reportTotalsDifferencesSql(t: ReportTotalsTable): string {
  const cols = [...t.keys, ...t.values].join(', ');
  const expected = `SELECT ${cols} FROM (${t.recompute}) r WHERE ${nonZero(t.values)}`;
  const held = `SELECT ${cols} FROM ${t.table} WHERE ${nonZero(t.values)}`;
  return `SELECT 'ledger' AS side, * FROM (${expected} EXCEPT ${held}) a UNION ALL SELECT 'table' AS side, * FROM (${held} EXCEPT ${expected}) b`;
}

export function reportTotalsDifferences(sqlite: Database.Database, t: ReportTotalsTable): Record<string, unknown>[] {
  return sqlite.prepare(reportTotalsDifferencesSql(t)).all() as Record<string, unknown>[];
}

/** Rewrites every aggregate from the ledger tables (inside the caller's transaction, or its own). */
export function rebuildReportTotals(sqlite: Database.Database): void {
  const run = () => {
    for (const t of REPORT_TOTALS) {
      sqlite.exec(`DELETE FROM ${t.table}`);
      sqlite.exec(`INSERT INTO ${t.table} (${[...t.keys, ...t.values].join(', ')}) ${t.recompute}`);
    }
  };
  if (sqlite.inTransaction) run();
  else sqlite.transaction(run).immediate();
}
