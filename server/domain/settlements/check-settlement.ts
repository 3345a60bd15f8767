import type { ReadProgram } from '../../../db/read-program';
import type { Report } from '../ledger/check-ledger';
import { within, type Scope } from '../ledger/ledger-scope';

/**
 * Settlement invariants (set-based SQL): each statement reconciles to the cent and equals
 * the redemptions stamped with it; a voided redemption is never settled; batch totals are
 * their statements' sums; what is settled but not paid out sits on payouts_pending; a
 * SEPA file the bank executed left none of its statements unpaid, and a statement is only
 * ever in a recorded file of its own batch.
 */
export function* checkSettlements(report: Report, scope: Scope, payoutsPendingBalance: number): ReadProgram<void> {
  // In scope: the statements posted since the marks (their redemptions by the statement_id index).
  const statementsInScope = within('s.journal_id', scope.journals);
  report('statement_net_commission_vat_equal_gross', (yield { sql: `SELECT reference FROM statements WHERE net_cents + commission_cents + vat_cents != gross_cents + breakage_cents OR net_cents < 0 OR breakage_cents < 0` }));
  report(
    'statement_campaigns_sum_to_statement',
    (yield { sql: `SELECT s.reference FROM statements s LEFT JOIN statement_campaigns c ON c.statement_id = s.id GROUP BY s.id
       HAVING COALESCE(SUM(c.gross_cents), 0) != s.gross_cents OR COALESCE(SUM(c.commission_cents), 0) != s.commission_cents OR COALESCE(SUM(c.vat_cents), 0) != s.vat_cents OR COALESCE(SUM(c.redemption_count), 0) != s.redemption_count` }),
  );
  report(
    'statement_equals_its_redemptions',
    (yield { sql: `SELECT s.reference, s.gross_cents, s.redemption_count, COALESCE(r.gross, 0) AS redeemed, COALESCE(r.n, 0) AS n
       FROM statements s LEFT JOIN (SELECT statement_id, SUM(amount_cents) AS gross, COUNT(*) AS n FROM redemptions WHERE statement_id IS NOT NULL
                                    ${within('statement_id', scope.journals === null ? null : `SELECT s.id FROM statements s WHERE 1 = 1${statementsInScope}`)} GROUP BY statement_id) r
         ON r.statement_id = s.id
       WHERE (COALESCE(r.gross, 0) != s.gross_cents OR COALESCE(r.n, 0) != s.redemption_count)${statementsInScope}` }),
  );
  // Settled redemptions by the statement_id index (never the unsettled history).
  report('voided_redemption_never_settled', (yield { sql: `SELECT id, number FROM redemptions WHERE statement_id IS NOT NULL AND status = 'voided'${within('id', scope.redemptions)}` }));
  report('settled_redemption_has_statement', (yield { sql: `SELECT r.id FROM redemptions r WHERE r.statement_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM statements s WHERE s.id = r.statement_id)${within('r.id', scope.redemptions)}` }));
  report(
    'batch_totals_equal_statements',
    (yield { sql: `SELECT b.reference FROM settlement_batches b LEFT JOIN statements s ON s.batch_id = b.id GROUP BY b.id
       HAVING COALESCE(SUM(s.gross_cents), 0) != b.gross_cents OR COALESCE(SUM(s.net_cents), 0) != b.net_cents
           OR COALESCE(SUM(s.commission_cents), 0) != b.commission_cents OR COALESCE(SUM(s.vat_cents), 0) != b.vat_cents` }),
  );
  report(
    'sepa_executed_file_statements_paid',
    (yield { sql: `SELECT s.reference, f.seq FROM statements s JOIN sepa_files f ON f.batch_id = s.batch_id AND f.seq = s.sepa_file_seq WHERE f.executed_at IS NOT NULL AND s.status != 'paid'` }),
  );
  report(
    'sepa_statement_in_recorded_file',
    (yield { sql: `SELECT s.reference, s.sepa_file_seq AS seq FROM statements s WHERE s.sepa_file_seq IS NOT NULL
       AND (s.method != 'sepa' OR NOT EXISTS (SELECT 1 FROM sepa_files f WHERE f.batch_id = s.batch_id AND f.seq = s.sepa_file_seq))` }),
  );
  // Unpaid = the whole net of a statement not paid, or what Stripe reversed of a paid one.
  const pending = { books: -payoutsPendingBalance, statements: (yield { sql: `SELECT COALESCE(SUM(CASE WHEN status IN ('paid', 'partially_reversed') THEN reversed_cents ELSE net_cents END), 0) AS n FROM statements` })[0]!.n };
  if (pending.books !== pending.statements) report('payouts_pending_equal_unpaid_statements', [pending]);
}
