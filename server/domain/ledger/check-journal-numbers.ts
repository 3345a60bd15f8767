import type { ReadProgram } from '../../../db/read-program';
import type { Report } from './check-ledger';
import type { Scope } from './ledger-scope';

/**
 * Entry numbers (FEC EcritureNum, LPF art. A47 A-1) are given once, at posting, from the
 * journal's counter row: within each journal they run 1, 2, 3… with no gap, and the counter
 * names the last one. The unique (journal_code, entry_number) index rules out repeats, so
 * "count = max = counter, min = 1" is the whole continuity rule. A gap would mean an entry
 * was deleted (the books are never edited) or numbered outside postJournal.
 */
export function* checkJournalNumbers(report: Report, scope: Scope): ReadProgram<void> {
  if (scope.since) return yield* checkNumbersSince(report, scope.since.journals);
  report(
    'journal_numbers_continuous',
    (yield { sql: `SELECT j.journal_code AS code, COUNT(*) AS entries, MIN(j.entry_number) AS first, MAX(j.entry_number) AS last, c.last_number AS counter
       FROM journals j LEFT JOIN journal_counters c ON c.journal_code = j.journal_code
       GROUP BY j.journal_code, c.last_number
       HAVING MIN(j.entry_number) != 1 OR MAX(j.entry_number) != COUNT(*) OR c.last_number IS NULL OR c.last_number != COUNT(*)` }),
  );
  // A counter ahead of its journal (or of a journal with no entry) would make the next entry skip numbers.
  report(
    'journal_counter_matches_entries',
    (yield { sql: `SELECT c.journal_code AS code, c.last_number AS counter FROM journal_counters c
       WHERE c.last_number != (SELECT COUNT(*) FROM journals j WHERE j.journal_code = c.journal_code)` }),
  );
}

/**
 * Incremental: the entries up to each mark were found continuous by the clean run; above
 * it they must be mark+1 … counter, one each (index ranges, however long the journal).
 */
function* checkNumbersSince(report: Report, marks: Record<string, number>): ReadProgram<void> {
  const rows = (yield { sql: `SELECT c.journal_code AS code, c.last_number AS counter,
      (SELECT MAX(entry_number) FROM journals j WHERE j.journal_code = c.journal_code) AS last
    FROM journal_counters c` });
  const bad: Record<string, unknown>[] = [];
  for (const r of rows) {
    const code = r.code as string;
    const mark = marks[code] ?? 0;
    const above = (yield { sql: `SELECT COUNT(*) AS n, MIN(entry_number) AS first FROM journals WHERE journal_code = @code AND entry_number > @mark`, params: { code, mark } })[0]!;
    const counter = r.counter as number;
    if (counter < mark || r.last !== counter || above.n !== counter - mark || ((above.n as number) > 0 && above.first !== mark + 1)) bad.push({ code, mark, counter, last: r.last, newEntries: above.n });
  }
  report('journal_numbers_continuous', bad);
}
