import { assertBalanced } from '../domain/ledger/accounts';
import { csvCell, csvEuros } from '../lib/csv';
import { parisDate } from '../lib/paris-time';
import { defaultChart, type FecChart } from './fec-chart';

export { defaultChart, type FecAccount, type FecChart } from './fec-chart';

/**
 * The FEC (fichier des écritures comptables, LPF art. A47 A-1) the operator hands the tax
 * administration, and the same journal as a CSV for spreadsheets.
 *
 * Both are generators: a year's journal can hold millions of lines, so nothing is
 * collected; an HTTP response or a file stream pulls line by line. Lines are yielded
 * WITHOUT their terminator, as text: the caller writes "\r\n" (or "\n") after each and
 * encodes them (fec-file.ts: ISO 8859-15 by default).
 *
 * What the FEC asks and the caller must provide: entries in validation order, numbered
 * without gaps per journal (numbers given at posting, read by journal-entries.ts), French
 * labels, opening balances first. This module checks what one entry can tell: its lines
 * balance.
 */

export interface FecEntryLine {
  account: string;
  /** Debit > 0, credit < 0, as in our journals. */
  amountCents: number;
}

export interface FecEntry {
  journalCode: string;
  journalLib: string;
  entryNumber: string;
  date: Date;
  pieceRef: string;
  pieceDate: Date;
  label: string;
  validDate: Date;
  lines: readonly FecEntryLine[];
}

export const FEC_COLUMNS = [
  'JournalCode', 'JournalLib', 'EcritureNum', 'EcritureDate', 'CompteNum', 'CompteLib', 'CompAuxNum', 'CompAuxLib', 'PieceRef',
  'PieceDate', 'EcritureLib', 'Debit', 'Credit', 'EcritureLet', 'DateLet', 'ValidDate', 'Montantdevise', 'Idevise',
] as const;

export const JOURNAL_CSV_COLUMNS = ['date', 'journal', 'entry', 'account', 'label', 'debit', 'credit'] as const;

/** Tabs and line breaks would split a record; every control character becomes a space. */
const field = (value: string): string => value.replace(/[\p{Cc}\u2028\u2029]/gu, ' ');

/**
 * Paris calendar date of an instant, memoised per UTC hour: Paris offsets (since 1911) are
 * whole hours and change on the hour, so every instant of one UTC hour has the same Paris
 * date. Intl costs ~4 µs a call, 3 dates per entry: ~10 s saved on a million entries.
 */
const dayOfHour = new Map<number, string>();
function parisDay(instant: Date): string {
  const hour = Math.floor(instant.getTime() / 3_600_000);
  let day = dayOfHour.get(hour);
  if (day === undefined) {
    if (dayOfHour.size >= 50_000) dayOfHour.clear(); // ~5 years of hours, then start over
    day = parisDate(instant);
    dayOfHour.set(hour, day);
  }
  return day;
}

/**
 * Refuses an entry that would make the file wrong, before any of its lines is yielded (a
 * half-written entry would unbalance the file): integer amounts, sum zero, real dates.
 */
function checkEntry(entry: FecEntry): void {
  const where = `entry ${entry.journalCode} ${entry.entryNumber}`;
  for (const d of [entry.date, entry.pieceDate, entry.validDate]) {
    if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new Error(`${where}: invalid date`);
  }
  try {
    assertBalanced(entry.lines);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

/** FEC dates: YYYYMMDD in Paris (a sale at 00:30 in Paris on April 1st is dated 20260401). */
const fecDate = (d: Date): string => parisDay(d).replace(/-/g, '');

/** Turns entries into lines: a header, then each entry's lines (checked first). */
interface LineMaker {
  header: string;
  lines(entry: FecEntry): string[];
}

/**
 * The maker's lines for entries read synchronously (SQLite) or awaited (PostgreSQL): the
 * same generator shape either way, so a download or a CLI export pulls line by line.
 */
function linesOf(maker: LineMaker, entries: Iterable<FecEntry>): Generator<string>;
function linesOf(maker: LineMaker, entries: AsyncIterable<FecEntry>): AsyncGenerator<string>;
function linesOf(maker: LineMaker, entries: Iterable<FecEntry> | AsyncIterable<FecEntry>): Generator<string> | AsyncGenerator<string>;
function linesOf(maker: LineMaker, entries: Iterable<FecEntry> | AsyncIterable<FecEntry>): Generator<string> | AsyncGenerator<string> {
  if (Symbol.asyncIterator in entries) {
    return (async function* () {
      yield maker.header;
      for await (const entry of entries) yield* maker.lines(entry);
    })();
  }
  return (function* () {
    yield maker.header;
    for (const entry of entries) yield* maker.lines(entry);
  })();
}

/**
 * The FEC, tab-separated: the header with the 18 mandatory column names, then one line per
 * journal line. Debit and Credit both present ("0,00" on the other side), comma decimals,
 * no thousands separator. Lettering (EcritureLet, DateLet) is left blank, as are the
 * foreign-currency columns: every amount is in euros.
 */
export function fecLines(entries: Iterable<FecEntry>, chart?: FecChart): Generator<string>;
export function fecLines(entries: AsyncIterable<FecEntry>, chart?: FecChart): AsyncGenerator<string>;
export function fecLines(entries: Iterable<FecEntry> | AsyncIterable<FecEntry>, chart?: FecChart): Generator<string> | AsyncGenerator<string>;
export function fecLines(entries: Iterable<FecEntry> | AsyncIterable<FecEntry>, chart: FecChart = defaultChart): Generator<string> | AsyncGenerator<string> {
  return linesOf(fecMaker(chart), entries);
}

function fecMaker(chart: FecChart): LineMaker {
  // The four account fields, cleaned, per account: a few thousand accounts for millions of lines.
  const accounts = new Map<string, string>();
  const accountFields = (account: string): string => {
    let f = accounts.get(account);
    if (f === undefined) {
      const a = chart(account);
      f = `${field(a.compteNum)}\t${field(a.compteLib)}\t${field(a.auxNum ?? '')}\t${field(a.auxLib ?? '')}`;
      if (accounts.size >= 100_000) accounts.clear();
      accounts.set(account, f);
    }
    return f;
  };
  return {
    header: FEC_COLUMNS.join('\t'),
    lines(entry) {
      checkEntry(entry);
      // Fields shared by the entry's lines, cleaned once.
      const head = [field(entry.journalCode), field(entry.journalLib), field(entry.entryNumber), fecDate(entry.date)].join('\t');
      const piece = [field(entry.pieceRef), fecDate(entry.pieceDate), field(entry.label)].join('\t');
      const valid = fecDate(entry.validDate);
      return entry.lines.map((line) => {
        const debit = line.amountCents > 0 ? csvEuros(line.amountCents) : '0,00';
        const credit = line.amountCents < 0 ? csvEuros(-line.amountCents) : '0,00';
        return `${head}\t${accountFields(line.account)}\t${piece}\t${debit}\t${credit}\t\t\t${valid}\t\t`;
      });
    },
  };
}

/**
 * The same journal for a spreadsheet: `;`-separated, cells through csvCell (quoting and
 * formula-injection guard), comma decimals, ISO dates (Paris) that French Excel and
 * LibreOffice read as dates. The account is our own name (voucher_liability…), the one
 * operators see elsewhere; the unused side of debit/credit is left empty. The caller
 * writes the UTF-8 BOM and the line terminators.
 */
export function journalCsvLines(entries: Iterable<FecEntry>): Generator<string>;
export function journalCsvLines(entries: AsyncIterable<FecEntry>): AsyncGenerator<string>;
export function journalCsvLines(entries: Iterable<FecEntry> | AsyncIterable<FecEntry>): Generator<string> | AsyncGenerator<string>;
export function journalCsvLines(entries: Iterable<FecEntry> | AsyncIterable<FecEntry>): Generator<string> | AsyncGenerator<string> {
  return linesOf(journalCsvMaker, entries);
}

const journalCsvMaker: LineMaker = {
  header: JOURNAL_CSV_COLUMNS.join(';'),
  lines(entry) {
    checkEntry(entry);
    const head = [parisDay(entry.date), csvCell(field(entry.journalCode)), csvCell(field(entry.entryNumber))].join(';');
    const label = csvCell(field(entry.label));
    return entry.lines.map((line) => {
      const debit = line.amountCents > 0 ? csvEuros(line.amountCents) : '';
      const credit = line.amountCents < 0 ? csvEuros(-line.amountCents) : '';
      return `${head};${csvCell(field(line.account))};${label};${debit};${credit}`;
    });
  },
};
