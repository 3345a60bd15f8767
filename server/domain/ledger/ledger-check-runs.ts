import type pg from 'pg';
import type { Database_ } from '../../../db/client';
import { sqliteOf } from '../../../db/client';
import { readSnapshotPostgres, runReadSync, type Dialect, type ReadProgram } from '../../../db/read-program';
import type { Clock } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { ledgerChecks, type Breach } from './check-ledger';
import { currentMarksProgram, lastCleanMarksProgram, recordCheck, recordCheckPostgres } from './ledger-checks-repository';
import { FULL, scopeSince, type Marks } from './ledger-scope';

export interface LedgerCheckRun {
  mode: 'full' | 'incremental';
  /** The clean run an incremental one continues from (its finish time). */
  since: string | null;
  marks: Marks;
  breaches: Breach[];
  ms: number;
}

type Snapshot = Omit<LedgerCheckRun, 'ms'>;

/**
 * One run on one snapshot: the marks, then the checks (in full, or above the marks of the
 * latest clean run). On PostgreSQL the scope rests on the journals' entry numbers alone
 * being in commit order (a locked counter row per journal): redemption numbers come from a
 * sequence there, so a number above the mark may commit after a higher one was seen; every
 * redemption posts a journal in its transaction, which puts it in scope anyway.
 */
function* ledgerCheckRunProgram(sinceLastClean: boolean, dialect: Dialect): ReadProgram<Snapshot> {
  const last = sinceLastClean ? yield* lastCleanMarksProgram() : null;
  const marks = yield* currentMarksProgram();
  const breaches = yield* ledgerChecks(last ? scopeSince(last.marks, Object.keys(marks.journals)) : FULL, dialect);
  return { mode: last ? 'incremental' : 'full', since: last?.finishedAt ?? null, marks, breaches };
}

/**
 * `cli check-ledger [--since-last-clean]`. Reads the marks and runs the checks on one
 * snapshot, then records the run (a short write): the next incremental run starts from
 * the marks of the latest CLEAN run, so what a failed run saw is verified again until
 * the books are clean. Without a clean run on record, an incremental request runs in full.
 */
export function runLedgerCheck(deps: { database: Database_; clock: Clock }, opts: { sinceLastClean: boolean }): LedgerCheckRun {
  const startedAt = deps.clock.now();
  const t0 = performance.now();
  const result = deps.database.snapshot((tx) => runReadSync(sqliteOf(tx), ledgerCheckRunProgram(opts.sinceLastClean, 'sqlite')));
  const ms = Math.round(performance.now() - t0);
  const finishedAt = deps.clock.now();
  deps.database.transaction((tx) =>
    recordCheck(tx, { id: newId(), mode: result.mode, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), breaches: result.breaches.length, marks: result.marks }),
  );
  return { ...result, ms };
}

/** The same run on PostgreSQL: one REPEATABLE READ READ ONLY snapshot, then the record. */
export async function runLedgerCheckPostgres(deps: { client: pg.ClientBase; clock: Clock }, opts: { sinceLastClean: boolean }): Promise<LedgerCheckRun> {
  const startedAt = deps.clock.now();
  const t0 = performance.now();
  const result = await readSnapshotPostgres(deps.client, ledgerCheckRunProgram(opts.sinceLastClean, 'postgres'));
  const ms = Math.round(performance.now() - t0);
  await recordCheckPostgres(deps.client, { id: newId(), mode: result.mode, startedAt: startedAt.toISOString(), finishedAt: deps.clock.now().toISOString(), breaches: result.breaches.length, marks: result.marks });
  return { ...result, ms };
}
