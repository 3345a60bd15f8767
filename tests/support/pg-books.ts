/**
 * The books on PostgreSQL, checked with set-based SQL: check-ledger itself is not ported yet
 * (it runs on SQLite's synchronous connection), so this states the invariants the till's money
 * paths touch, each as a query returning its offending rows — the same definitions as
 * server/domain/ledger/check-ledger.ts and check-vouchers.ts, in PostgreSQL's dialect:
 * journals balance, have lines and are numbered 1…n per journal with their counter;
 * balance = Σ movements with a consistent chain; bounds and statuses; every redemption has its
 * redeem movement (and a voided one its void); the liability account equals the live
 * balances; the campaigns' progress caches and the report aggregates equal their recomputation.
 */
import type pg from 'pg';
import { REPORT_TOTALS, weekOf } from '../../db/report-totals-sql';

const pgWeekOf = (col: string) => `to_char(date_trunc('week', (${col})::date), 'YYYY-MM-DD')`;

const CHECKS: Record<string, string> = {
  journal_balances: `SELECT journal_id, SUM(amount_cents) AS sum FROM journal_lines GROUP BY journal_id HAVING SUM(amount_cents) != 0`,
  journal_has_lines: `SELECT j.id FROM journals j WHERE NOT EXISTS (SELECT 1 FROM journal_lines l WHERE l.journal_id = j.id)`,
  journal_numbers_continuous: `SELECT j.journal_code, COUNT(*) AS entries, MIN(j.entry_number) AS first, MAX(j.entry_number) AS last, MAX(c.last_number) AS counter
      FROM journals j LEFT JOIN journal_counters c ON c.journal_code = j.journal_code GROUP BY j.journal_code
      HAVING MIN(j.entry_number) != 1 OR MAX(j.entry_number) != COUNT(*) OR MAX(c.last_number) IS NULL OR MAX(c.last_number) != COUNT(*)`,
  voucher_balance_equals_movements: `SELECT v.code, v.balance_cents, COALESCE(SUM(m.amount_cents), 0) AS movements
      FROM vouchers v LEFT JOIN movements m ON m.voucher_id = v.id GROUP BY v.id HAVING v.balance_cents != COALESCE(SUM(m.amount_cents), 0)`,
  voucher_balance_within_value: `SELECT code FROM vouchers WHERE balance_cents < 0 OR balance_cents > amount_cents`,
  voucher_status_matches_balance: `SELECT code, status, balance_cents FROM vouchers WHERE (status = 'active' AND balance_cents <= 0) OR (status = 'spent' AND balance_cents != 0) OR (status = 'cancelled' AND balance_cents != 0)`,
  movement_chain: `SELECT voucher_id, seq FROM (
      SELECT voucher_id, seq, balance_after_cents, SUM(amount_cents) OVER (PARTITION BY voucher_id ORDER BY seq) AS running,
             ROW_NUMBER() OVER (PARTITION BY voucher_id ORDER BY seq) AS rn FROM movements) t
      WHERE running != balance_after_cents OR rn != seq OR balance_after_cents < 0`,
  redemption_has_its_movements: `SELECT r.id, r.status FROM redemptions r
      WHERE (SELECT COUNT(*) FROM movements m WHERE m.redemption_id = r.id AND m.kind = 'redeem' AND m.amount_cents = -r.amount_cents) != 1
         OR (SELECT COUNT(*) FROM movements m WHERE m.redemption_id = r.id AND m.kind = 'void' AND m.amount_cents = r.amount_cents) != (CASE WHEN r.status = 'voided' THEN 1 ELSE 0 END)`,
  movement_has_journal: `SELECT m.voucher_id, m.seq FROM movements m WHERE m.journal_id IS NULL OR NOT EXISTS (SELECT 1 FROM journals j WHERE j.id = m.journal_id)`,
  liability_equals_outstanding_balances: `SELECT books, vouchers FROM (
      SELECT -(SELECT COALESCE(SUM(amount_cents), 0) FROM journal_lines WHERE account = 'voucher_liability') AS books,
             (SELECT COALESCE(SUM(balance_cents), 0) FROM vouchers WHERE status != 'cancelled')
             + (SELECT COALESCE(SUM(issue_remaining_cents), 0) FROM orders WHERE issue_journal_id IS NOT NULL) AS vouchers) t
      WHERE books != vouchers`,
  campaign_progress_cache: `SELECT c.slug, c.sold_cents, c.redeemed_cents, COALESCE(t.sold, 0) AS sold, COALESCE(t.redeemed, 0) AS redeemed
      FROM campaigns c LEFT JOIN (
        SELECT v.campaign_id, SUM(CASE WHEN m.kind = 'issue' AND v.reissued_from IS NULL THEN m.amount_cents ELSE 0 END) AS sold,
               -SUM(CASE WHEN m.kind IN ('redeem', 'void') THEN m.amount_cents ELSE 0 END) AS redeemed
        FROM movements m JOIN vouchers v ON v.id = m.voucher_id GROUP BY v.campaign_id) t ON t.campaign_id = c.id
      WHERE COALESCE(t.sold, 0) != c.sold_cents OR COALESCE(t.redeemed, 0) != c.redeemed_cents`,
};

for (const t of REPORT_TOTALS) {
  const cols = [...t.keys, ...t.values].join(', ');
  const nonZero = t.values.map((v) => `${v} != 0`).join(' OR ');
  const expected = `SELECT ${cols} FROM (${t.recompute.replaceAll(weekOf('day'), pgWeekOf('day'))}) r WHERE ${nonZero}`;
  const held = `SELECT ${cols} FROM ${t.table} WHERE ${nonZero}`;
  CHECKS[`report_totals:${t.table}`] = `SELECT 'ledger' AS side, * FROM (${expected} EXCEPT ${held}) a UNION ALL SELECT 'table' AS side, * FROM (${held} EXCEPT ${expected}) b`;
}

/** Each breached invariant with (up to 5 of) its rows; empty when the books are clean. Runs on one REPEATABLE READ snapshot. */
export async function pgBooks(client: pg.ClientBase): Promise<{ invariant: string; rows: unknown[] }[]> {
  const out: { invariant: string; rows: unknown[] }[] = [];
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    for (const [invariant, sql] of Object.entries(CHECKS)) {
      const { rows } = await client.query(sql);
      if (rows.length) out.push({ invariant, rows: rows.slice(0, 5) });
    }
  } finally {
    await client.query('COMMIT');
  }
  return out;
}
