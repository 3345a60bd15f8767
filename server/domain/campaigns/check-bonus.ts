import type { ReadProgram, Row } from '../../../db/read-program';
import type { Report } from '../ledger/check-ledger';

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
export function* checkBonus(report: Report, accountBalance: (account: string) => number): ReadProgram<void> {
  report(
    'bonus_caches_equal_orders',
    (yield {
      // The sums are named in a subquery: PostgreSQL does not let WHERE read SELECT's aliases.
      sql: `SELECT * FROM (
         SELECT c.slug, c.bonus_reserved_cents, c.bonus_used_cents, c.bonus_budget_cents,
           COALESCE((SELECT SUM(bonus_cents) FROM orders o WHERE o.campaign_id = c.id AND o.status = 'pending_payment'), 0) AS reserved,
           COALESCE((SELECT SUM(bonus_cents) FROM orders o WHERE o.campaign_id = c.id AND o.status IN ('paid', 'refunded')), 0) AS used
         FROM campaigns c) t
       WHERE reserved != bonus_reserved_cents OR used != bonus_used_cents OR bonus_reserved_cents + bonus_used_cents > bonus_budget_cents
          OR bonus_reserved_cents < 0 OR bonus_used_cents < 0`,
    }),
  );
  // Refund journals are few (miscellaneous operations, OD): their movements are read through
  // the movements' journal index.
  const cancelled = new Map(((yield { sql: `SELECT v.campaign_id AS campaign,
         -SUM(CASE WHEN m.kind = 'cancel' AND j.kind = 'order_refund' THEN m.amount_cents ELSE 0 END)
         - SUM(CASE WHEN m.kind = 'issue' AND j.kind = 'order_refund_failed' THEN m.amount_cents ELSE 0 END) AS cancelled
       FROM journals j JOIN movements m ON m.journal_id = j.id JOIN vouchers v ON v.id = m.voucher_id JOIN order_items i ON i.id = v.order_item_id
       WHERE j.journal_code = 'OD' AND j.kind IN ('order_refund', 'order_refund_failed') AND i.bonus = 1 GROUP BY v.campaign_id` }) as Row[]).map((r) => [r.campaign as string, r.cancelled as number]));
  report(
    'sponsor_bonus_receivable_equals_used',
    (yield { sql: `SELECT id, slug, bonus_used_cents FROM campaigns` })
      .map((c) => ({ slug: c.slug, bonus_used_cents: c.bonus_used_cents, books: accountBalance(`sponsor_bonus_receivable:${c.id as string}`), cancelled: cancelled.get(c.id as string) ?? 0 }))
      .filter((c) => c.books !== (c.bonus_used_cents as number) - c.cancelled),
  );
}
