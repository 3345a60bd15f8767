import type { Database_ } from '../../../db/client';
import { checkSettlements } from '../settlements/check-settlement';
import { checkExpiry } from '../vouchers/check-expiry';
import { checkBonus } from '../campaigns/check-bonus';

export interface Breach {
  invariant: string;
  detail: string;
}

/**
 * Verifies every money invariant with set-based SQL (fast on millions of rows):
 * journals balance; voucher balance = Σ movements, 0 ≤ balance ≤ value; movement chains
 * are consistent; the liability account equals the vouchers' outstanding balances;
 * campaign progress caches equal their movements; paid orders are fully issued and paid.
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
  report(
    'voucher_balance_equals_movements',
    q(`SELECT v.code, v.balance_cents, COALESCE(SUM(m.amount_cents), 0) AS movements
       FROM vouchers v LEFT JOIN movements m ON m.voucher_id = v.id
       GROUP BY v.id HAVING v.balance_cents != COALESCE(SUM(m.amount_cents), 0)`),
  );
  report('voucher_balance_within_value', q(`SELECT code, balance_cents, amount_cents FROM vouchers WHERE balance_cents < 0 OR balance_cents > amount_cents`));
  report(
    'movement_chain',
    q(`SELECT voucher_id, seq, balance_after_cents, running FROM (
         SELECT voucher_id, seq, balance_after_cents,
                SUM(amount_cents) OVER (PARTITION BY voucher_id ORDER BY seq) AS running,
                ROW_NUMBER() OVER (PARTITION BY voucher_id ORDER BY seq) AS rn
         FROM movements)
       WHERE running != balance_after_cents OR rn != seq OR balance_after_cents < 0`),
  );
  report(
    'issue_movement_matches_value',
    q(`SELECT v.code FROM vouchers v LEFT JOIN movements m ON m.voucher_id = v.id AND m.kind = 'issue'
       GROUP BY v.id HAVING COUNT(m.id) != 1 OR SUM(m.amount_cents) != v.amount_cents`),
  );
  const liability = q(`SELECT
      (SELECT -COALESCE(SUM(amount_cents), 0) FROM journal_lines WHERE account = 'voucher_liability') AS books,
      (SELECT COALESCE(SUM(balance_cents), 0) FROM vouchers) AS vouchers`)[0]!;
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
    q(`SELECT o.reference, o.total_cents, COALESCE((SELECT SUM(amount_cents) FROM vouchers v WHERE v.order_id = o.id AND v.reissued_from IS NULL), 0) AS issued
       FROM orders o WHERE o.status = 'paid' AND issued != o.total_cents - o.fee_cents - o.fee_vat_cents + o.bonus_cents`),
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
  return breaches;
}
