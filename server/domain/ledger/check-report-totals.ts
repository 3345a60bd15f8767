import type { Dialect, ReadProgram } from '../../../db/read-program';
import { reportTotalsDifferencesSql, reportTotalsFor } from '../../../db/report-totals-sql';

/**
 * The report aggregates equal their recomputation from the ledger tables (vouchers,
 * movements, redemptions, orders): one breach per table, listing the rows that differ
 * (`side` 'ledger' = what the table should hold, 'table' = what it holds). Full runs only:
 * an incremental run leaves them to the next full one.
 */
export function* checkReportTotals(report: (invariant: string, rows: Record<string, unknown>[]) => void, dialect: Dialect): ReadProgram<void> {
  for (const t of reportTotalsFor(dialect)) report(`report_totals:${t.table}`, yield { sql: reportTotalsDifferencesSql(t) });
}
