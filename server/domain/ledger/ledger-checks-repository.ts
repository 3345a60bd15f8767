import { desc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { ledgerChecks } from '../../../db/schema/index';
import type { Marks } from './ledger-scope';

/**
 * What the snapshot holds: each journal's counter (the last entry number given, written in
 * the posting's transaction, so equal to the last entry seen; check-journal-numbers
 * verifies it) and the last redemption number (unique index).
 */
export function currentMarks(tx: Tx): Marks {
  const journals = Object.fromEntries(
    tx.all<{ code: string; n: number }>(sql`SELECT journal_code AS code, last_number AS n FROM journal_counters ORDER BY journal_code`).map((r) => [r.code, r.n]),
  );
  const redemption = tx.get<{ n: number | null }>(sql`SELECT MAX(number) AS n FROM redemptions`).n ?? 0;
  return { journals, redemption };
}

/** The marks of the latest clean run, or null when none is recorded. */
export function lastCleanMarks(tx: Tx): { marks: Marks; finishedAt: string } | null {
  const row = tx.select({ marks: ledgerChecks.marks, finishedAt: ledgerChecks.finishedAt }).from(ledgerChecks)
    .where(eq(ledgerChecks.clean, 1)).orderBy(desc(ledgerChecks.finishedAt)).limit(1).get();
  return row ? { marks: JSON.parse(row.marks) as Marks, finishedAt: row.finishedAt } : null;
}

export function recordCheck(tx: Tx, run: { id: string; mode: 'full' | 'incremental'; startedAt: string; finishedAt: string; breaches: number; marks: Marks }): void {
  tx.insert(ledgerChecks).values({ ...run, clean: run.breaches === 0 ? 1 : 0, marks: JSON.stringify(run.marks) }).run();
}
