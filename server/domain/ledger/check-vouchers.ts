import type { ReadProgram } from '../../../db/read-program';
import type { Report } from './check-ledger';
import { within, type Scope } from './ledger-scope';

/**
 * Voucher and movement invariants, run by check-ledger (set-based SQL). They restate the
 * ledger writer's rules (vouchers/voucher-transitions.ts) and the CHECK constraints of
 * migration 0007, so a row written around the writer, or with the constraints off, is seen:
 * - balance = Σ movements; 0 ≤ balance ≤ value; chain of seq 1…n with running balances;
 * - status and balance agree: active > 0, spent = 0, cancelled = 0 (no stranded value);
 * - one `issue` movement, first in the chain: the value for a voucher bought, the balance
 *   carried for a replacement (= the predecessor's `cancel` in the same reissue journal),
 *   a replacement keeps its predecessor's value, a cancelled voucher has at most one;
 * - each movement kind has its sign and a journal;
 * - `redeem`/`void` movements match their redemption (amount, voucher or its replacement);
 *   every redemption has its redeem movement, every voided one exactly one void;
 * - redemptions, payments and refunds move positive amounts; order amounts are ≥ 0.
 * In an incremental scope, the movement checks read the vouchers moved since the marks;
 * the checks of one row of a small table read it whole.
 */
export function* checkVouchers(report: Report, scope: Scope): ReadProgram<void> {
  const vouchers = (col: string) => within(col, scope.vouchers);
  report(
    'voucher_balance_equals_movements',
    (yield { sql: `SELECT v.code, v.balance_cents, COALESCE(SUM(m.amount_cents), 0) AS movements
       FROM vouchers v LEFT JOIN movements m ON m.voucher_id = v.id
       WHERE 1 = 1${vouchers('v.id')}
       GROUP BY v.id HAVING v.balance_cents != COALESCE(SUM(m.amount_cents), 0)` }),
  );
  report('voucher_value_positive', (yield { sql: `SELECT code, amount_cents FROM vouchers WHERE amount_cents <= 0` }));
  report('voucher_balance_within_value', (yield { sql: `SELECT code, balance_cents, amount_cents FROM vouchers WHERE balance_cents < 0 OR balance_cents > amount_cents` }));
  report(
    'voucher_status_matches_balance',
    (yield { sql: `SELECT code, status, balance_cents FROM vouchers
       WHERE status NOT IN ('active', 'spent', 'expired', 'cancelled', 'blocked')
          OR (status = 'active' AND balance_cents <= 0) OR (status = 'spent' AND balance_cents != 0)` }),
  );
  report('cancelled_voucher_holds_no_value', (yield { sql: `SELECT code, balance_cents FROM vouchers WHERE status = 'cancelled' AND balance_cents != 0` }));
  report(
    'movement_chain',
    (yield { sql: `SELECT voucher_id, seq, balance_after_cents, running FROM (
         SELECT voucher_id, seq, balance_after_cents,
                SUM(amount_cents) OVER (PARTITION BY voucher_id ORDER BY seq) AS running,
                ROW_NUMBER() OVER (PARTITION BY voucher_id ORDER BY seq) AS rn
         FROM movements WHERE 1 = 1${vouchers('voucher_id')}) chain
       WHERE running != balance_after_cents OR rn != seq OR balance_after_cents < 0` }),
  );
  report(
    'movement_kind_and_sign',
    (yield { sql: `SELECT voucher_id, seq, kind, amount_cents FROM movements WHERE 1 = 1${vouchers('voucher_id')} AND NOT (
         (kind = 'issue' AND amount_cents > 0) OR (kind = 'void' AND amount_cents > 0) OR (kind = 'adjust' AND amount_cents != 0)
         OR (kind IN ('redeem', 'expire') AND amount_cents < 0) OR (kind = 'cancel' AND amount_cents <= 0))` }),
  );
  report(
    'movement_has_journal',
    (yield { sql: `SELECT m.voucher_id, m.seq, m.kind, m.journal_id FROM movements m
       WHERE (m.journal_id IS NULL OR NOT EXISTS (SELECT 1 FROM journals j WHERE j.id = m.journal_id))${vouchers('m.voucher_id')}` }),
  );
  report(
    'issue_movement_matches_value',
    (yield { sql: `SELECT v.code FROM vouchers v LEFT JOIN movements m ON m.voucher_id = v.id AND m.kind = 'issue'
       WHERE 1 = 1${vouchers('v.id')}
       GROUP BY v.id
       HAVING COUNT(m.id) != 1 OR MIN(m.seq) != 1
           OR (v.reissued_from IS NULL AND SUM(m.amount_cents) != v.amount_cents)
           OR SUM(m.amount_cents) > v.amount_cents` }),
  );
  // A cancelled voucher has exactly one cancel movement (cancelled is final): the reissue's,
  // or the refund's when that refund later failed and a replacement restored the value.
  // CROSS JOIN keeps SQLite's order: from the replacements (partial index), never from all movements.
  report(
    'replacement_carries_predecessor',
    (yield { sql: `SELECT n.code, p.code AS replaces, i.amount_cents AS issued, c.amount_cents AS cancelled, p.status, n.amount_cents, p.amount_cents AS predecessor_value
       FROM vouchers n CROSS JOIN vouchers p CROSS JOIN movements i
       LEFT JOIN movements c ON c.voucher_id = p.id AND c.kind = 'cancel'
       WHERE p.id = n.reissued_from AND i.voucher_id = n.id AND i.kind = 'issue' AND n.reissued_from IS NOT NULL AND (p.status != 'cancelled' OR c.id IS NULL OR i.amount_cents != -c.amount_cents OR n.amount_cents != p.amount_cents)${scope.vouchers === null ? '' : ` AND (n.id IN (${scope.vouchers}) OR p.id IN (${scope.vouchers}))`}` }),
  );
  report('voucher_replaced_once', (yield { sql: `SELECT reissued_from, COUNT(*) AS n FROM vouchers WHERE reissued_from IS NOT NULL GROUP BY reissued_from HAVING COUNT(*) > 1` }));
  yield* checkRedemptionMovements(report, scope);
  yield* checkMoneyColumns(report);
}

function* checkRedemptionMovements(report: Report, scope: Scope): ReadProgram<void> {
  const redemptions = (col: string) => within(col, scope.redemptions);
  report('redemption_amount_and_status', (yield { sql: `SELECT id, amount_cents, status FROM redemptions WHERE (amount_cents <= 0 OR status NOT IN ('completed', 'voided'))${redemptions('id')}` }));
  // Both sides are aggregated first and joined once (in scope: the movements of the
  // vouchers moved since the marks, which hold every movement of a new redemption).
  report(
    'redeem_movement_matches_redemption',
    (yield { sql: `SELECT r.id, r.amount_cents, m.n AS movements, m.moved FROM redemptions r
       LEFT JOIN (SELECT redemption_id, MIN(voucher_id) AS voucher_id, MAX(voucher_id) AS other, COUNT(*) AS n, SUM(amount_cents) AS moved
                  FROM movements WHERE kind = 'redeem'${within('voucher_id', scope.vouchers)} GROUP BY redemption_id) m ON m.redemption_id = r.id
       WHERE (m.n IS NULL OR m.n != 1 OR m.moved != -r.amount_cents OR m.voucher_id != r.voucher_id)${redemptions('r.id')}` }),
  );
  // A void credits the redeemed voucher or, after a reissue, a voucher down its chain.
  report(
    'void_movement_matches_redemption',
    (yield { sql: `WITH RECURSIVE chain(redemption_id, voucher_id) AS (
         SELECT id, voucher_id FROM redemptions WHERE status = 'voided'${redemptions('id')}
         UNION SELECT c.redemption_id, v.id FROM chain c JOIN vouchers v ON v.reissued_from = c.voucher_id),
       -- A join, not EXISTS (SELECT … FROM chain): SQLite re-ran the recursive CTE (a scan of
       -- redemptions) for each void movement, voids × redemptions (265 s at 200 000 with 1 in 250
       -- voided, bench/scale). chain's rows are distinct (UNION), so the join adds no row.
       vm AS (SELECT m.redemption_id, COUNT(*) AS n, SUM(m.amount_cents) AS moved,
                     SUM(CASE WHEN c.redemption_id IS NULL THEN 1 ELSE 0 END) AS elsewhere
              FROM movements m LEFT JOIN chain c ON c.redemption_id = m.redemption_id AND c.voucher_id = m.voucher_id
              WHERE m.kind = 'void'${within('m.voucher_id', scope.vouchers)} GROUP BY m.redemption_id)
       SELECT r.id, r.status, r.amount_cents, vm.n AS movements, vm.moved, vm.elsewhere FROM redemptions r LEFT JOIN vm ON vm.redemption_id = r.id
       WHERE ((r.status = 'voided' AND (vm.n IS NULL OR vm.n != 1 OR vm.moved != r.amount_cents OR vm.elsewhere != 0))
          OR (r.status != 'voided' AND vm.n IS NOT NULL))${redemptions('r.id')}` }),
  );
  report(
    'movement_redemption_exists',
    (yield { sql: `SELECT m.voucher_id, m.seq, m.kind FROM movements m
       WHERE ((m.kind IN ('redeem', 'void')) != (m.redemption_id IS NOT NULL)
          OR (m.redemption_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM redemptions r WHERE r.id = m.redemption_id)))${within('m.voucher_id', scope.vouchers)}` }),
  );
}

function* checkMoneyColumns(report: Report): ReadProgram<void> {
  report(
    'order_amounts_not_negative',
    (yield { sql: `SELECT reference, total_cents, fee_cents, fee_vat_cents, bonus_cents, refunded_cents, paid_cents FROM orders
       WHERE total_cents < 0 OR fee_cents < 0 OR fee_vat_cents < 0 OR bonus_cents < 0 OR refunded_cents < 0 OR paid_cents < 0` }),
  );
  report('payment_amount_positive', (yield { sql: `SELECT id, provider, amount_cents FROM payments WHERE amount_cents <= 0` }));
  report('refund_amount_positive', (yield { sql: `SELECT id, amount_cents FROM refunds WHERE amount_cents <= 0` }));
}
