import type { Database_ } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { checkLedgerIn, type Breach } from './check-ledger';
import { currentMarks, lastCleanMarks, recordCheck } from './ledger-checks-repository';
import { FULL, scopeSince, type Marks } from './ledger-scope';

export interface LedgerCheckRun {
  mode: 'full' | 'incremental';
  /** The clean run an incremental one continues from (its finish time). */
  since: string | null;
  marks: Marks;
  breaches: Breach[];
  ms: number;
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
  const result = deps.database.snapshot((tx) => {
    const last = opts.sinceLastClean ? lastCleanMarks(tx) : null;
    const marks = currentMarks(tx);
    const breaches = checkLedgerIn(tx, last ? scopeSince(last.marks, Object.keys(marks.journals)) : FULL);
    return { mode: last ? ('incremental' as const) : ('full' as const), since: last?.finishedAt ?? null, marks, breaches };
  });
  const ms = Math.round(performance.now() - t0);
  const finishedAt = deps.clock.now();
  deps.database.transaction((tx) =>
    recordCheck(tx, { id: newId(), mode: result.mode, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), breaches: result.breaches.length, marks: result.marks }),
  );
  return { ...result, ms };
}
