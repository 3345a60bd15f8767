import type { Writable } from 'node:stream';
import type { Database_ } from '../../db/client';
import { csvCell, csvEuros } from '../lib/csv';
import { translateForPage } from '../lib/i18n';
import { splitStatementLines, type SplitLine, type StatementDocument } from './statement-data';
import { maskCode } from '../lib/codes';
import { parisDateTime } from '../lib/paris-time';

/**
 * A statement as CSV for the shop's spreadsheet or accountant: UTF-8 BOM, `;`, French
 * decimal commas (as the dashboard export), one row per redemption then a total row.
 * Only rows: the statement's header facts (shop, references, period) are in the PDF.
 * Each row carries its share of the campaign's commission and VAT (commission.ts,
 * running rounding), so every column sums exactly to the stored totals;
 * `splitStatementLines` throws before the total row if it would not. A one-cent line may
 * carry a cent of commission and a cent of VAT (where the running total crosses a rounding
 * step): its net is then −0,01 €, written as a number. A share of expired vouchers' value
 * (breakage) paid to the shop gets its own row, in the net column only.
 * Our words (the header, the breakage and total labels) are typeset like a page (French
 * no-break spaces: « Total : 11 opérations »); the data cells — number, date and time,
 * masked code, campaign and the four amounts — are written plain so spreadsheets read them.
 */

export const STATEMENT_COLUMNS = ['number', 'datetime', 'voucher', 'campaign', 'gross', 'commission', 'vat', 'net'] as const;

const text = (value: string | number) => csvCell(value, true);
/** Amounts we format ourselves (`-?\d+,\d{2}`): quoted without the formula guard, which would turn a negative into text. */
const euros = (cents: number) => `"${csvEuros(cents)}"`;
const row = (cells: string[]) => `${cells.join(';')}\r\n`;

/** The file, line by line (each ends with CRLF; the first carries the BOM). Pulls redemptions page by page. */
export function* statementCsvLines(database: Database_, d: StatementDocument, locale = 'fr'): Generator<string> {
  yield csvHead(locale);
  for (const l of splitStatementLines(database, d)) yield csvLine(l);
  // Reached only once the split has been checked against the stored amounts.
  yield* csvFoot(d, locale);
}

/** The same file from split lines read on any backend (statement-documents.ts: a stream program on PostgreSQL). */
export async function* statementCsvLinesFrom(lines: AsyncIterable<SplitLine> | Iterable<SplitLine>, d: StatementDocument, locale = 'fr'): AsyncGenerator<string> {
  yield csvHead(locale);
  for await (const l of lines) yield csvLine(l);
  yield* csvFoot(d, locale);
}

const csvHead = (locale: string) => `\ufeff${row(STATEMENT_COLUMNS.map((c) => text(translateForPage(locale, `statements.col_${c}`))))}`;
const csvLine = (l: SplitLine) =>
  row([text(l.number), text(parisDateTime(l.createdAt)), text(maskCode(l.code)), text(l.campaignName), euros(l.grossCents), euros(l.commissionCents), euros(l.vatCents), euros(l.netCents)]);

function* csvFoot(d: StatementDocument, locale: string): Generator<string> {
  const s = d.statement;
  // Expired vouchers' value shared to the shop: paid on top, no commission; only the net column.
  if (s.breakageCents) yield row([text(translateForPage(locale, 'statements.breakage_row')), '""', '""', '""', '""', '""', '""', euros(s.breakageCents)]);
  yield row([text(translateForPage(locale, 'statements.total_count', { count: s.redemptionCount })), '""', '""', '""', euros(s.grossCents), euros(s.commissionCents), euros(s.vatCents), euros(s.netCents)]);
}

const CHUNK = 64 * 1024;

/**
 * Writes the CSV into `out` in chunks of about 64 KB, waiting for the consumer to drain
 * and yielding to the event loop between chunks: a 50 000-line statement neither sits in
 * memory nor holds up the till. Stops early if `out` goes away. On an error nothing more is
 * written and the error is thrown: the caller destroys `out`, so a truncated file never
 * looks complete (it has no total row anyway).
 */
export async function streamStatementCsv(lines: AsyncIterable<SplitLine> | Iterable<SplitLine>, d: StatementDocument, out: Writable, locale = 'fr'): Promise<void> {
  let buffer = '';
  for await (const line of statementCsvLinesFrom(lines, d, locale)) {
    buffer += line;
    if (buffer.length < CHUNK) continue;
    if (out.destroyed) return;
    const more = out.write(buffer);
    buffer = '';
    if (!more) await drained(out);
    // A turn of the loop after a drain too: a socket that took the write at once emits
    // 'drain' from process.nextTick, which alone would never let the till's requests run.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (out.destroyed) return;
  out.end(buffer);
}

function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}
