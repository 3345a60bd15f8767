import type Database from 'better-sqlite3';
import { REPORT_TOTALS, reportTotalsDifferences } from '../../../db/report-totals-sql';

/**
 * The report aggregates equal their recomputation from the ledger tables (vouchers,
 * movements, redemptions, orders): one breach per table, listing the rows that differ
 * (`side` 'ledger' = what the table should hold, 'table' = what it holds). Full runs only:
 * an incremental run leaves them to the next full one.
 */
export function checkReportTotals(sqlite: Database.Database, report: (invariant: string, rows: Record<string, unknown>[]) => void): void {
  for (const t of REPORT_TOTALS) report(`report_totals:${t.table}`, reportTotalsDifferences(sqlite, t));
}
