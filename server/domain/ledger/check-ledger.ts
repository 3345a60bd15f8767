import type { Database_ } from '../../../db/client';
import { checkSettlements } from '../settlements/check-settlement';
import { checkExpiry } from '../vouchers/check-expiry';
import { checkBonus } from '../campaigns/check-bonus';
import { checkJournalNumbers } from './check-journal-numbers';
import { checkReportTotals } from './check-report-totals';
import { checkVouchers } from './check-vouchers';

export interface Breach {
  invariant: string;
  detail: string;
}

/**
 * Verifies every money invariant with set-based SQL (fast on millions of rows):
 * journals balance and are numbered without gaps per journal (FEC EcritureNum); the voucher and movement invariants of check-vouchers.ts (balance =
 * Σ movements, bounds, statuses, no value on a cancelled voucher, signs, redemptions);
 * the liability account equals the LIVE vouchers' balances (a cancelled voucher owes
 * nothing: value stranded there is reported twice, here and by check-vouchers);
 * campaign progress caches equal their movements; paid orders are fully issued and paid;
 * the report aggregates equal their recomputation (check-report-totals.ts).
 * A reissued voucher (support, `reissued_from` set) carries an existing balance: it is not
 * a sale, so the sold cache and "fully issued" count only the original vouchers.
 * A paid order's vouchers are its face value plus the sponsor's bonus (one bonus voucher).
 */
export function checkLedger(database: Database_): Breach[] {
  const q = (sql: string) => database.sqlite.prepare(sql).all() as Record<string, unknown>[];
  const breaches: Breach[] = [];
  const report = (invariant: string, rows: Record<string, unknown>[]) => {
    for (const r of rows.slice(0, 50)) breaches.push({ invariant, detail: JSON.stringify(r) });
    if (rows.length > 50) breaches.push({ invariant, detail: `… and ${rows.length - 50} more` });
  };

  report('journal_balances', q(`SELECT journal_id, SUM(amount_cents) AS sum FROM journal_lines GROUP BY journal_id HAVING SUM(amount_cents) != 0`));
  report('journal_has_lines', q(`SELECT j.id FROM journals j WHERE NOT EXISTS (SELECT 1 FROM journal_lines l WHERE l.journal_id = j.id)`));
  checkJournalNumbers(database, report);
  checkVouchers(database, report);
  const liability = q(`SELECT
      (SELECT -COALESCE(SUM(amount_cents), 0) FROM journal_lines WHERE account = 'voucher_liability') AS books,
      (SELECT COALESCE(SUM(balance_cents), 0) FROM vouchers WHERE status != 'cancelled')
      -- Value sold but not issued yet: a large order between two slices (order-issuance.ts).
      + (SELECT COALESCE(SUM(issue_remaining_cents), 0) FROM orders WHERE issue_journal_id IS NOT NULL) AS vouchers`)[0]!;
  if (liability.books !== liability.vouchers) report('liability_equals_outstanding_balances', [liability]);
  report(
    'campaign_progress_cache',
    q(`SELECT c.slug, c.sold_cents, c.redeemed_cents,
         COALESCE((SELECT SUM(m.amount_cents) FROM movements m JOIN vouchers v ON v.id = m.voucher_id WHERE v.campaign_id = c.id AND m.kind = 'issue' AND v.reissued_from IS NULL), 0) AS sold,
         COALESCE((SELECT -SUM(m.amount_cents) FROM movements m JOIN vouchers v ON v.id = m.voucher_id WHERE v.campaign_id = c.id AND m.kind IN ('redeem', 'void')), 0) AS redeemed
       FROM campaigns c WHERE sold != c.sold_cents OR redeemed != c.redeemed_cents`),
  );
  report(
    'paid_order_fully_issued',
    q(`SELECT o.reference, o.total_cents, COALESCE((SELECT SUM(amount_cents) FROM vouchers v WHERE v.order_id = o.id AND v.reissued_from IS NULL), 0) + o.issue_remaining_cents AS issued
       FROM orders o WHERE o.status = 'paid' AND issued != o.total_cents - o.fee_cents - o.fee_vat_cents + o.bonus_cents`),
  );
  report(
    'issuing_state_consistent',
    q(`SELECT reference, status, issue_next, issue_remaining_cents FROM orders
       WHERE (issue_journal_id IS NULL AND (issue_next != 0 OR issue_remaining_cents != 0)) OR (issue_journal_id IS NOT NULL AND status != 'paid')`),
  );
  report(
    'paid_order_payments',
    q(`SELECT o.reference, o.total_cents, COALESCE((SELECT SUM(amount_cents) FROM payments p WHERE p.order_id = o.id), 0) AS paid
       FROM orders o WHERE o.status = 'paid' AND paid < o.total_cents`),
  );
  // Transfers not yet turned into a sale (partial payments, overpayments) are the customers' advances.
  const advances = q(`SELECT
      (SELECT -COALESCE(SUM(amount_cents), 0) FROM journal_lines WHERE account = 'customer_advances') AS books,
      (SELECT COALESCE(SUM(paid_cents - CASE WHEN status = 'paid' THEN total_cents ELSE 0 END), 0) FROM orders WHERE payment_method = 'bank_transfer') AS orders`)[0]!;
  if (advances.books !== advances.orders) report('customer_advances_equal_unapplied_transfers', [advances]);
  report(
    'unpaid_order_has_no_vouchers',
    q(`SELECT o.reference, o.status FROM orders o WHERE o.status IN ('pending_payment', 'cancelled') AND EXISTS (SELECT 1 FROM vouchers v WHERE v.order_id = o.id)`),
  );
  checkSettlements(database, report);
  checkExpiry(database, report);
  checkBonus(database, report);
  checkReportTotals(database, report);
  return breaches;
}
