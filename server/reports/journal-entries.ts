/**
 * The books as accounting entries, read in short windows (below) so an export of millions of lines streams
 * in flat memory and never holds the connection between pages (the till keeps working
 * during an export). Feeds the FEC and the journal CSV (server/reports/fec.ts).
 *
 * Order: each accounting journal is read in the order of its entry numbers (given at
 * posting, server/domain/ledger/journal-codes.ts), walking the (journal_code, entry_number)
 * index, and the journals are merged by posting time. The file is thus chronological (the
 * FEC lists entries in the order they were validated) while each journal's numbers always
 * come in increasing order without a gap, even when two postings in the same millisecond,
 * or a clock read before the write lock, would order their timestamps otherwise.
 */
import type { Database_ } from '../../db/client';
import { journalTitle } from '../domain/ledger/journal-codes';
import { endOfParisDay, startOfParisDay } from '../lib/paris-time';
import type { FecEntry } from './fec';
import { frenchLabel } from './fec-labels';

type Row = { id: string; kind: string; description: string; createdAt: string; reference: string | null; journalCode: string; entryNumber: number; account: string; amountCents: number };

/**
 * Entry numbers covered by one read. A window of numbers, not a number of rows: a period
 * filter may match few entries of a long journal (last month of five years), and a page
 * "of 500 matching rows" would then walk years of the index in one go, holding the event
 * loop for seconds. A window bounds every read (≤ WINDOW index entries and their lines)
 * whatever the period, and the loop is free between reads.
 */
export const JOURNAL_WINDOW = 500;

/** One window of one journal, entries with their lines (exported for the query-plan tests). */
export const JOURNAL_WINDOW_SQL = `
    SELECT j.id, j.kind, j.description, j.created_at AS createdAt, o.reference, j.journal_code AS journalCode, j.entry_number AS entryNumber,
           l.account, l.amount_cents AS amountCents
    FROM journals j LEFT JOIN orders o ON o.id = j.order_id JOIN journal_lines l ON l.journal_id = j.id
    WHERE j.journal_code = ? AND j.entry_number > ? AND j.entry_number <= ? AND j.created_at >= ? AND j.created_at <= ?
    ORDER BY j.entry_number, l.id`;

/** `from`/`to` are Paris calendar dates (inclusive); either may be omitted. */
export function* journalEntries(database: Database_, period: { from?: string; to?: string } = {}): Generator<FecEntry> {
  const start = period.from ? startOfParisDay(period.from).toISOString() : '';
  const end = period.to ? endOfParisDay(period.to).toISOString() : '9999';
  // Entries and their lines in one indexed read: (journal_code, entry_number) then journal_lines(journal_id).
  const window = database.sqlite.prepare<[string, number, number, string, string], Row>(JOURNAL_WINDOW_SQL);
  // Entries posted after the export began are left out: the file is the books as they stood when asked.
  const counters = database.sqlite.prepare(`SELECT journal_code AS code, last_number AS last FROM journal_counters ORDER BY journal_code`).all() as { code: string; last: number }[];

  // A period's first and last number per journal, found by date (journals_created_at_idx): the
  // windows then walk only that stretch of (journal_code, entry_number), not every entry before
  // and after it. Exact: entries are numbered in posting order, so no entry of the period has a
  // number outside [lo, hi].
  const bounds = new Map<string, { lo: number; hi: number }>();
  if (period.from || period.to) {
    const rows = database.sqlite
      .prepare(`SELECT journal_code AS code, MIN(entry_number) AS lo, MAX(entry_number) AS hi FROM journals WHERE created_at >= ? AND created_at <= ? GROUP BY journal_code`)
      .all(start, end) as { code: string; lo: number; hi: number }[];
    for (const r of rows) bounds.set(r.code, { lo: r.lo, hi: r.hi });
  }

  /** One accounting journal's entries of the period, in number order, with their lines. */
  function* journal(code: string, last: number): Generator<FecEntry & { postedAt: string }> {
    const range = period.from || period.to ? bounds.get(code) : { lo: 1, hi: last };
    if (!range) return;
    const hi = Math.min(range.hi, last);
    for (let after = range.lo - 1; after < hi; after += JOURNAL_WINDOW) {
      const rows = window.all(code, after, Math.min(after + JOURNAL_WINDOW, hi), start, end);
      for (let i = 0; i < rows.length; ) {
        const r = rows[i]!;
        const entryLines: { account: string; amountCents: number }[] = [];
        for (; i < rows.length && rows[i]!.id === r.id; i++) entryLines.push({ account: rows[i]!.account, amountCents: rows[i]!.amountCents });
        const at = new Date(r.createdAt);
        const total = entryLines.reduce((sum, l) => sum + Math.max(l.amountCents, 0), 0);
        yield {
          journalCode: r.journalCode,
          journalLib: journalTitle(r.journalCode),
          entryNumber: String(r.entryNumber),
          date: at,
          pieceRef: r.reference ?? r.id.slice(0, 18),
          pieceDate: at,
          label: frenchLabel(r.kind, r.description, total),
          validDate: at,
          lines: entryLines,
          postedAt: r.createdAt,
        };
      }
    }
  }

  // A k-way merge of the journals (a handful: a linear scan of the heads is enough).
  const streams = counters.map((c) => journal(c.code, c.last));
  const heads = streams.map((s) => s.next());
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (!h.done && (best < 0 || h.value.postedAt < (heads[best]!.value as { postedAt: string }).postedAt)) best = i;
    }
    if (best < 0) return;
    const { postedAt: _, ...entry } = heads[best]!.value as FecEntry & { postedAt: string };
    yield entry;
    heads[best] = streams[best]!.next();
  }
}
