import type pg from 'pg';
import type { Tx } from '../../../db/client';
import { sqliteOf } from '../../../db/client';
import { runReadSync, type ReadProgram } from '../../../db/read-program';
import { ledgerChecks } from '../../../db/schema/index';
import type { Marks } from './ledger-scope';

/**
 * What the snapshot holds: each journal's counter (the last entry number given, written in
 * the posting's transaction, so equal to the last entry seen; check-journal-numbers
 * verifies it) and the last redemption number (unique index).
 * Read programs (db/read-program.ts): the same SQL on SQLite and PostgreSQL.
 */
export function* currentMarksProgram(): ReadProgram<Marks> {
  const counters = yield { sql: `SELECT journal_code AS code, last_number AS n FROM journal_counters ORDER BY journal_code` };
  const journals = Object.fromEntries(counters.map((r) => [r.code as string, r.n as number]));
  const [last] = yield { sql: `SELECT MAX(number) AS n FROM redemptions` };
  return { journals, redemption: (last?.n as number | null) ?? 0 };
}

/** The marks of the latest clean run, or null when none is recorded. */
export function* lastCleanMarksProgram(): ReadProgram<{ marks: Marks; finishedAt: string } | null> {
  const [row] = yield { sql: `SELECT marks, finished_at FROM ledger_checks WHERE clean = 1 ORDER BY finished_at DESC LIMIT 1` };
  return row ? { marks: JSON.parse(row.marks as string) as Marks, finishedAt: row.finished_at as string } : null;
}

export const currentMarks = (tx: Tx): Marks => runReadSync(sqliteOf(tx), currentMarksProgram());
export const lastCleanMarks = (tx: Tx): { marks: Marks; finishedAt: string } | null => runReadSync(sqliteOf(tx), lastCleanMarksProgram());

export interface CheckRecord {
  id: string;
  mode: 'full' | 'incremental';
  startedAt: string;
  finishedAt: string;
  breaches: number;
  marks: Marks;
}

export function recordCheck(tx: Tx, run: CheckRecord): void {
  tx.insert(ledgerChecks).values({ ...run, clean: run.breaches === 0 ? 1 : 0, marks: JSON.stringify(run.marks) }).run();
}

/** The same row on PostgreSQL (one statement, autocommit). */
export async function recordCheckPostgres(client: pg.ClientBase, run: CheckRecord): Promise<void> {
  await client.query(
    `INSERT INTO ledger_checks (id, mode, started_at, finished_at, clean, breaches, marks) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [run.id, run.mode, run.startedAt, run.finishedAt, run.breaches === 0 ? 1 : 0, run.breaches, JSON.stringify(run.marks)],
  );
}
