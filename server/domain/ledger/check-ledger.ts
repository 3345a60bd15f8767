import type { Database_, Tx } from '../../../db/client';
import { sqliteOf } from '../../../db/client';
import { runReadSync, type Dialect, type ReadProgram, type Row } from '../../../db/read-program';
import { checkSettlements } from '../settlements/check-settlement';
import { checkExpiry } from '../vouchers/check-expiry';
import { checkBonus } from '../campaigns/check-bonus';
import { checkJournalNumbers } from './check-journal-numbers';
import { checkReportTotals } from './check-report-totals';
import { checkVouchers } from './check-vouchers';
import { FULL, within, type Scope } from './ledger-scope';

export interface Breach {
  invariant: string;
  detail: string;
}

export type Report = (invariant: string, rows: Record<string, unknown>[]) => void;

/**
 * Verifies every money invariant with set-based SQL (fast on millions of rows), on ONE
 * snapshot (a read transaction: writers are never blocked, and rows committed during the
 * run cannot make it see half a write):
 * journals balance and are numbered without gaps per journal (FEC EcritureNum); the voucher and movement invariants of check-vouchers.ts (balance =
 * Σ movements, bounds, statuses, no value on a cancelled voucher, signs, redemptions);
 * the liability account equals the LIVE vouchers' balances (a cancelled voucher owes
 * nothing: value stranded there is reported twice, here and by check-vouchers);
 * campaign progress caches equal their movements; paid orders are fully issued and paid;
 * the report aggregates equal their recomputation (check-report-totals.ts).
 * A reissued voucher (support, `reissued_from` set) carries an existing balance: it is not
 * a sale, so the sold cache and "fully issued" count only the original vouchers.
 * A paid order's vouchers are its face value plus the sponsor's bonus (one bonus voucher).
 *
 * With an incremental `scope` (ledger-scope.ts) the row-by-row checks read only what was
 * written since the last clean run; the campaign caches (sums over every movement of a
 * campaign) are left to the full run.
 */
export function checkLedger(database: Database_, scope: Scope = FULL): Breach[] {
  return database.snapshot((tx) => checkLedgerIn(tx, scope));
}

/** The checks on an open (read) transaction: check-runs.ts reads its marks on the same snapshot. */
export function checkLedgerIn(tx: Tx, scope: Scope): Breach[] {
  return runReadSync(sqliteOf(tx), ledgerChecks(scope, 'sqlite'));
}

/**
 * Every check as one read program (db/read-program.ts): the same SQL on SQLite and on
 * PostgreSQL (check-ledger-postgres.ts), so both backends are held to the same invariants.
 */
export function* ledgerChecks(scope: Scope, dialect: Dialect): ReadProgram<Breach[]> {
  const breaches: Breach[] = [];
  // Sorted, so that both backends (whose row orders differ without ORDER BY) report the same 50.
  const report: Report = (invariant, rows) => {
    const details = rows.map((r) => JSON.stringify(r)).sort();
    for (const detail of details.slice(0, 50)) breaches.push({ invariant, detail });
    if (rows.length > 50) breaches.push({ invariant, detail: `… and ${rows.length - 50} more` });
  };

  report('journal_balances', (yield { sql: `SELECT journal_id, SUM(amount_cents) AS sum FROM journal_lines WHERE 1 = 1${within('journal_id', scope.journals)} GROUP BY journal_id HAVING SUM(amount_cents) != 0` }));
  report('journal_has_lines', (yield { sql: `SELECT j.id FROM journals j WHERE NOT EXISTS (SELECT 1 FROM journal_lines l WHERE l.journal_id = j.id)${within('j.id', scope.journals)}` }));
  yield* checkJournalNumbers(report, scope);
  yield* checkVouchers(report, scope);
  // One scan of the lines for every whole-account identity (there is no index on account:
  // each till call would pay for it).
  const accounts = new Map((yield { sql: `SELECT account, SUM(amount_cents) AS balance FROM journal_lines
      WHERE account IN ('voucher_liability', 'customer_advances', 'payouts_pending') OR (account >= 'sponsor_bonus_receivable:' AND account < 'sponsor_bonus_receivable;')
      GROUP BY account` }).map((r) => [r.account as string, r.balance as number]));
  const balance = (account: string) => accounts.get(account) ?? 0;
  // Value sold but not issued yet (a large order between two slices, order-issuance.ts) is owed too.
  const liability = {
    books: -balance('voucher_liability'),
    vouchers: (yield { sql: `SELECT (SELECT COALESCE(SUM(balance_cents), 0) FROM vouchers WHERE status != 'cancelled')
      + (SELECT COALESCE(SUM(issue_remaining_cents), 0) FROM orders WHERE issue_journal_id IS NOT NULL) AS n` })[0]!.n,
  };
  if (liability.books !== liability.vouchers) report('liability_equals_outstanding_balances', [liability]);
  if (scope.journals === null) report('campaign_progress_cache', yield* campaignCaches());
  yield* checkOrders(report, scope);
  // Transfers not yet turned into a sale (partial payments, overpayments) are the customers' advances.
  const advances = { books: -balance('customer_advances'), orders: (yield { sql: `SELECT COALESCE(SUM(paid_cents - CASE WHEN status = 'paid' THEN total_cents ELSE 0 END), 0) AS n FROM orders WHERE payment_method = 'bank_transfer'` })[0]!.n };
  if (advances.books !== advances.orders) report('customer_advances_equal_unapplied_transfers', [advances]);
  yield* checkSettlements(report, scope, balance('payouts_pending'));
  yield* checkExpiry(report, scope);
  yield* checkBonus(report, balance);
  if (scope.journals === null) yield* checkReportTotals(report, dialect);
  return breaches;
}

/** Per campaign, in one pass over the movements (grouped by campaign through the voucher). */
function* campaignCaches(): ReadProgram<Row[]> {
  return yield { sql: `SELECT c.slug, c.sold_cents, c.redeemed_cents, COALESCE(t.sold, 0) AS sold, COALESCE(t.redeemed, 0) AS redeemed
    FROM campaigns c LEFT JOIN (
      SELECT v.campaign_id,
             SUM(CASE WHEN m.kind = 'issue' AND v.reissued_from IS NULL THEN m.amount_cents ELSE 0 END) AS sold,
             -SUM(CASE WHEN m.kind IN ('redeem', 'void') THEN m.amount_cents ELSE 0 END) AS redeemed
      FROM movements m JOIN vouchers v ON v.id = m.voucher_id GROUP BY v.campaign_id) t ON t.campaign_id = c.id
    WHERE COALESCE(t.sold, 0) != c.sold_cents OR COALESCE(t.redeemed, 0) != c.redeemed_cents` };
}

/** Orders' invariants: each side aggregated once and joined (payments and vouchers by order index). */
function* checkOrders(report: Report, scope: Scope): ReadProgram<void> {
  const orders = within('o.id', scope.orders);
  report(
    'paid_order_fully_issued',
    (yield { sql: `SELECT o.reference, o.total_cents, COALESCE(i.issued, 0) + o.issue_remaining_cents AS issued FROM orders o
       LEFT JOIN (SELECT order_id, SUM(amount_cents) AS issued FROM vouchers WHERE reissued_from IS NULL${within('order_id', scope.orders)} GROUP BY order_id) i ON i.order_id = o.id
       WHERE o.status = 'paid'${orders} AND COALESCE(i.issued, 0) + o.issue_remaining_cents != o.total_cents - o.fee_cents - o.fee_vat_cents + o.bonus_cents` }),
  );
  report(
    'issuing_state_consistent',
    (yield { sql: `SELECT reference, status, issue_next, issue_remaining_cents FROM orders
       WHERE (issue_journal_id IS NULL AND (issue_next != 0 OR issue_remaining_cents != 0)) OR (issue_journal_id IS NOT NULL AND status != 'paid')` }),
  );
  report(
    'paid_order_payments',
    (yield { sql: `SELECT o.reference, o.total_cents, COALESCE(p.paid, 0) AS paid FROM orders o
       LEFT JOIN (SELECT order_id, SUM(amount_cents) AS paid FROM payments WHERE 1 = 1${within('order_id', scope.orders)} GROUP BY order_id) p ON p.order_id = o.id
       WHERE o.status = 'paid'${orders} AND COALESCE(p.paid, 0) < o.total_cents` }),
  );
  report(
    'unpaid_order_has_no_vouchers',
    (yield { sql: `SELECT o.reference, o.status FROM orders o WHERE o.status IN ('pending_payment', 'cancelled')${orders} AND EXISTS (SELECT 1 FROM vouchers v WHERE v.order_id = o.id)` }),
  );
}
