import type { Database_ } from '../../../db/client';

type Report = (invariant: string, rows: Record<string, unknown>[]) => void;

/**
 * Sponsor bonus invariants, run by check-ledger (set-based SQL, per campaign):
 * - the reservation cache equals the bonus of the orders still awaiting payment;
 * - the used cache equals the bonus of paid (or later refunded) orders;
 * - reserved + used never exceeds the budget;
 * - the sponsor's receivable equals what was used, less the bonus balances cancelled by
 *   refunds (journal `order_refund`), plus what a refund failing after it was booked put
 *   back on replacement vouchers (`order_refund_failed`): the sponsor pays only for bonus
 *   value that stays out.
 * Every order's bonus voucher is the order item flagged `bonus` (checked by the order's
 * "fully issued" invariant through total − fees + bonus).
 */
export function checkBonus(database: Database_, report: Report): void {
  const q = (sql: string) => database.sqlite.prepare(sql).all() as Record<string, unknown>[];
  report(
    'bonus_caches_equal_orders',
    q(`SELECT c.slug, c.bonus_reserved_cents, c.bonus_used_cents, c.bonus_budget_cents,
         COALESCE((SELECT SUM(bonus_cents) FROM orders o WHERE o.campaign_id = c.id AND o.status = 'pending_payment'), 0) AS reserved,
         COALESCE((SELECT SUM(bonus_cents) FROM orders o WHERE o.campaign_id = c.id AND o.status IN ('paid', 'refunded')), 0) AS used
       FROM campaigns c
       WHERE reserved != c.bonus_reserved_cents OR used != c.bonus_used_cents OR c.bonus_reserved_cents + c.bonus_used_cents > c.bonus_budget_cents
          OR c.bonus_reserved_cents < 0 OR c.bonus_used_cents < 0`),
  );
  report(
    'sponsor_bonus_receivable_equals_used',
    // The receivables summed in one pass over journal_lines (no index on account: each one
    // costs every till call), not once per campaign in a correlated subquery.
    q(`SELECT c.slug, c.bonus_used_cents,
         COALESCE(b.total, 0) AS books,
         COALESCE((SELECT -SUM(m.amount_cents) FROM movements m JOIN vouchers v ON v.id = m.voucher_id JOIN order_items i ON i.id = v.order_item_id
                   JOIN journals j ON j.id = m.journal_id
                   WHERE v.campaign_id = c.id AND i.bonus = 1 AND m.kind = 'cancel' AND j.kind = 'order_refund'), 0)
         - COALESCE((SELECT SUM(m.amount_cents) FROM movements m JOIN vouchers v ON v.id = m.voucher_id JOIN order_items i ON i.id = v.order_item_id
                   JOIN journals j ON j.id = m.journal_id
                   WHERE v.campaign_id = c.id AND i.bonus = 1 AND m.kind = 'issue' AND j.kind = 'order_refund_failed'), 0) AS cancelled
       FROM campaigns c
       LEFT JOIN (SELECT account, SUM(amount_cents) AS total FROM journal_lines WHERE account LIKE 'sponsor_bonus_receivable:%' GROUP BY account) b
         ON b.account = 'sponsor_bonus_receivable:' || c.id
       WHERE books != c.bonus_used_cents - cancelled`),
  );
}
