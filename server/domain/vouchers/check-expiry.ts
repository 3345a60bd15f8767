import type { ReadProgram } from '../../../db/read-program';
import type { Report } from '../ledger/check-ledger';
import { within, type Scope } from '../ledger/ledger-scope';

/**
 * Expiry invariants, run by check-ledger (set-based SQL). The liability invariant already
 * covers expiry (an expired voucher's balance is 0 and its journal debited the liability by
 * as much); these make sure the breakage was booked where the value went:
 * - each `expire` movement empties its voucher and happens after the voucher's validity;
 * - each belongs to a `voucher_expiry` journal whose liability debit equals the value its
 *   movements took off the vouchers.
 */
export function* checkExpiry(report: Report, scope: Scope): ReadProgram<void> {
  const vouchers = (col: string) => within(col, scope.vouchers);
  report(
    'expire_movement_empties_voucher',
    (yield { sql: `SELECT m.voucher_id, m.seq, m.amount_cents, m.balance_after_cents FROM movements m WHERE m.kind = 'expire' AND (m.balance_after_cents != 0 OR m.amount_cents >= 0)${vouchers('m.voucher_id')}` }),
  );
  report(
    'expire_movement_after_validity',
    (yield { sql: `SELECT v.code, v.expires_at, m.created_at FROM movements m JOIN vouchers v ON v.id = m.voucher_id WHERE m.kind = 'expire' AND m.created_at <= v.expires_at${vouchers('m.voucher_id')}` }),
  );
  report(
    'expire_movement_in_expiry_journal',
    (yield { sql: `SELECT m.voucher_id, m.seq, m.journal_id FROM movements m
       WHERE m.kind = 'expire' AND (m.journal_id IS NULL OR NOT EXISTS (SELECT 1 FROM journals j WHERE j.id = m.journal_id AND j.kind = 'voucher_expiry'))${vouchers('m.voucher_id')}` }),
  );
  // Expiry journals are in the OD journal (journal-codes.ts): an index range, never a scan
  // of every journal; their movements and lines through the journal indexes.
  const expiryJournals = `SELECT id FROM journals WHERE journal_code = 'OD' AND kind = 'voucher_expiry'${within('id', scope.journals)}`;
  report(
    'expiry_journal_equals_its_movements',
    (yield { sql: `SELECT j.id, COALESCE(l.debit, 0) AS liability, COALESCE(m.expired, 0) AS movements FROM journals j
       LEFT JOIN (SELECT journal_id, SUM(amount_cents) AS debit FROM journal_lines
                  WHERE account = 'voucher_liability' AND journal_id IN (${expiryJournals}) GROUP BY journal_id) l ON l.journal_id = j.id
       LEFT JOIN (SELECT journal_id, -SUM(amount_cents) AS expired FROM movements WHERE kind = 'expire' AND journal_id IN (${expiryJournals}) GROUP BY journal_id) m ON m.journal_id = j.id
       WHERE j.id IN (${expiryJournals}) AND COALESCE(l.debit, 0) != COALESCE(m.expired, 0)` }),
  );
}
