import type { Database_ } from '../../../db/client';

type Report = (invariant: string, rows: Record<string, unknown>[]) => void;

/**
 * Entry numbers (FEC EcritureNum, LPF art. A47 A-1) are given once, at posting, from the
 * journal's counter row: within each journal they run 1, 2, 3… with no gap, and the counter
 * names the last one. The unique (journal_code, entry_number) index rules out repeats, so
 * "count = max = counter, min = 1" is the whole continuity rule. A gap would mean an entry
 * was deleted (the books are never edited) or numbered outside postJournal.
 */
export function checkJournalNumbers(database: Database_, report: Report): void {
  const q = (sql: string) => database.sqlite.prepare(sql).all() as Record<string, unknown>[];
  report(
    'journal_numbers_continuous',
    q(`SELECT j.journal_code AS code, COUNT(*) AS entries, MIN(j.entry_number) AS first, MAX(j.entry_number) AS last, c.last_number AS counter
       FROM journals j LEFT JOIN journal_counters c ON c.journal_code = j.journal_code
       GROUP BY j.journal_code
       HAVING MIN(j.entry_number) != 1 OR MAX(j.entry_number) != COUNT(*) OR c.last_number IS NULL OR c.last_number != COUNT(*)`),
  );
  // A counter ahead of its journal (or of a journal with no entry) would make the next entry skip numbers.
  report(
    'journal_counter_matches_entries',
    q(`SELECT c.journal_code AS code, c.last_number AS counter FROM journal_counters c
       WHERE c.last_number != (SELECT COUNT(*) FROM journals j WHERE j.journal_code = c.journal_code)`),
  );
}
