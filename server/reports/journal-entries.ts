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
import type pg from 'pg';
import type { Database_ } from '../../db/client';
import { streamAsync, streamSync, type Row, type StreamProgram } from '../../db/read-program';
import { journalTitle } from '../domain/ledger/journal-codes';
import { endOfParisDay, startOfParisDay } from '../lib/paris-time';
import type { FecEntry } from './fec';
import { frenchLabel } from './fec-labels';

/**
 * Entry numbers covered by one read. A window of numbers, not a number of rows: a period
 * filter may match few entries of a long journal (last month of five years), and a page
 * "of 500 matching rows" would then walk years of the index in one go, holding the event
 * loop for seconds. A window bounds every read (≤ WINDOW index entries and their lines)
 * whatever the period, and the loop is free between reads.
 */
export const JOURNAL_WINDOW = 500;

/** One window of one journal, entries with their lines (exported for the query-plan tests). Portable SQL (db/read-program.ts). */
export const JOURNAL_WINDOW_SQL = `
    SELECT j.id, j.kind, j.description, j.created_at, o.reference, j.journal_code, j.entry_number,
           l.account, l.amount_cents
    FROM journals j LEFT JOIN orders o ON o.id = j.order_id JOIN journal_lines l ON l.journal_id = j.id
    WHERE j.journal_code = @code AND j.entry_number > @after AND j.entry_number <= @upto AND j.created_at >= @start AND j.created_at <= @end
    ORDER BY j.entry_number, l.id`;

type Period = { from?: string; to?: string };
type Posted = FecEntry & { postedAt: string };

/** The period's entries on SQLite, pulled synchronously (the HTTP export and the CLI). */
export function journalEntries(database: Database_, period: Period = {}): Generator<FecEntry> {
  return streamSync(database.sqlite, journalEntriesProgram(period));
}

/** The same entries read from PostgreSQL, one window per query on `client`. */
export function journalEntriesPostgres(client: pg.ClientBase, period: Period = {}): AsyncGenerator<FecEntry> {
  return streamAsync(client, journalEntriesProgram(period));
}

/** `from`/`to` are Paris calendar dates (inclusive); either may be omitted. Written once for both backends. */
export function* journalEntriesProgram(period: Period = {}): StreamProgram<FecEntry> {
  const start = period.from ? startOfParisDay(period.from).toISOString() : '';
  const end = period.to ? endOfParisDay(period.to).toISOString() : '9999';
  // Entries posted after the export began are left out: the file is the books as they stood when asked.
  const counters = (yield { read: { sql: `SELECT journal_code AS code, last_number AS last FROM journal_counters ORDER BY journal_code` } })!;

  // A period's first and last number per journal, found by date (journals_created_at_idx): the
  // windows then walk only that stretch of (journal_code, entry_number), not every entry before
  // and after it. Exact: entries are numbered in posting order, so no entry of the period has a
  // number outside [lo, hi].
  const ranges = new Map<string, { lo: number; hi: number }>();
  if (period.from || period.to) {
    const rows = (yield {
      read: {
        sql: `SELECT journal_code AS code, MIN(entry_number) AS lo, MAX(entry_number) AS hi FROM journals WHERE created_at >= @start AND created_at <= @end GROUP BY journal_code`,
        params: { start, end },
      },
    })!;
    for (const r of rows) ranges.set(r.code as string, { lo: Number(r.lo), hi: Math.min(Number(r.hi), lastOf(counters, r.code as string)) });
  } else {
    for (const c of counters) ranges.set(c.code as string, { lo: 1, hi: Number(c.last) });
  }

  // A k-way merge of the journals by posting time (a handful of journals: a linear scan of
  // the heads is enough). Each journal's next window is read only when its head is used up.
  // Heads in journal-code order (the counters' ORDER BY): ties in posting time break the same way on both backends.
  const heads = counters.flatMap((c) => {
    const range = ranges.get(c.code as string);
    return range ? [{ code: c.code as string, after: range.lo - 1, hi: range.hi, buffer: [] as Posted[], at: 0 }] : [];
  });
  for (;;) {
    for (const h of heads) {
      while (h.at >= h.buffer.length && h.after < h.hi) {
        const upto = Math.min(h.after + JOURNAL_WINDOW, h.hi);
        h.buffer = entriesOf((yield { read: { sql: JOURNAL_WINDOW_SQL, params: { code: h.code, after: h.after, upto, start, end } } })!);
        h.at = 0;
        h.after = upto;
      }
    }
    let best: (typeof heads)[number] | undefined;
    for (const h of heads) if (h.at < h.buffer.length && (!best || h.buffer[h.at]!.postedAt < best.buffer[best.at]!.postedAt)) best = h;
    if (!best) return;
    const { postedAt: _, ...entry } = best.buffer[best.at++]!;
    yield { out: entry };
  }
}

const lastOf = (counters: Row[], code: string): number => Number(counters.find((c) => c.code === code)?.last ?? 0);

/** A window's rows (entries with their lines, in number order) as entries. */
function entriesOf(rows: Row[]): Posted[] {
  const out: Posted[] = [];
  for (let i = 0; i < rows.length; ) {
    const r = rows[i]!;
    const lines: { account: string; amountCents: number }[] = [];
    for (; i < rows.length && rows[i]!.id === r.id; i++) lines.push({ account: rows[i]!.account as string, amountCents: Number(rows[i]!.amount_cents) });
    const postedAt = r.created_at as string;
    const at = new Date(postedAt);
    const total = lines.reduce((sum, l) => sum + Math.max(l.amountCents, 0), 0);
    out.push({
      journalCode: r.journal_code as string,
      journalLib: journalTitle(r.journal_code as string),
      entryNumber: String(r.entry_number),
      date: at,
      pieceRef: (r.reference as string | null) ?? (r.id as string).slice(0, 18),
      pieceDate: at,
      label: frenchLabel(r.kind as string, r.description as string, total),
      validDate: at,
      lines,
      postedAt,
    });
  }
  return out;
}
