import { createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Database_ } from '../../db/client';
import type { Config } from '../config';
import { parisDate } from '../lib/paris-time';
import { streamLinesTo } from '../lib/stream-lines';
import { fecLines, journalCsvLines } from '../reports/fec';
import { FEC_ENCODINGS, fecBytes, fecFileName, isFecEncoding, type FecEncoding } from '../reports/fec-file';
import { journalEntries, journalEntriesPostgres } from '../reports/journal-entries';
import type { FecEntry } from '../reports/fec';
import type pg from 'pg';
import { readSnapshotPostgres, runReadSync, type ReadProgram } from '../../db/read-program';
import { liabilityProgram, type CampaignLiability } from '../reports/liability';
import { reconciliationProgram, type CampaignReconciliation } from '../reports/reconciliation';

import { isCalendarDate } from '../lib/calendar-date';
import { euros, usage, type Opts, type Result } from './command';

function period(opts: Opts): { from?: string; to?: string } {
  for (const k of ['from', 'to'] as const) if (opts[k] !== undefined && !isCalendarDate(opts[k])) usage(`--${k} is a date YYYY-MM-DD between 2000 and 2100`);
  return { from: opts.from as string | undefined, to: opts.to as string | undefined };
}

/** `report liability|reconciliation [--json]`. */
export function reportCommand(db: Database_, _opts: Opts, name: string | undefined): Promise<Result> {
  return reportWith((program) => runReadSync(db.sqlite, program), name);
}

/** The same report read from PostgreSQL (one REPEATABLE READ snapshot). */
export function reportCommandPostgres(client: pg.ClientBase, name: string | undefined): Promise<Result> {
  return reportWith((program) => readSnapshotPostgres(client, program), name);
}

/** Either backend: the reports are read programs (db/read-program.ts), `run` drives them. */
async function reportWith(run: <T>(program: ReadProgram<T>) => T | Promise<T>, name: string | undefined): Promise<Result> {
  const now = new Date();
  if (name === 'liability') return liabilityResult(await run(liabilityProgram(now)));
  if (name === 'reconciliation') return reconciliationResult(await run(reconciliationProgram(now)));
  usage('report needs liability or reconciliation');
}

function liabilityResult(rows: CampaignLiability[]): Result {
  return { code: 0, json: { liability: rows }, text: rows.map((r) => `${r.slug.padEnd(24)} issued ${euros(r.issuedCents)}  redeemed ${euros(r.redeemedCents)}  expired ${euros(r.expiredCents)}  cancelled ${euros(r.cancelledCents)}  outstanding ${euros(r.outstandingCents)} (> 12 months: ${euros(r.ageing.over12MonthsCents)}; expiring in 30 days: ${euros(r.expiringWithin30DaysCents)})`).join('\n') };
}

function reconciliationResult(rows: CampaignReconciliation[]): Result {
  const bad = rows.filter((r) => r.differenceCents !== 0);
  return {
    code: bad.length ? 1 : 0,
    json: { reconciliation: rows, ok: bad.length === 0 },
    text: rows.map((r) => `${r.slug.padEnd(24)} in ${euros(r.moneyIn.faceValueCents)} (card ${euros(r.moneyIn.cardCents)}, transfer ${euros(r.moneyIn.transferCents)}, fees ${euros(r.moneyIn.feesCents)})  shops paid ${euros(r.moneyOut.shopsPaidNetCents)}  commission ${euros(r.moneyOut.commissionCents)} + VAT ${euros(r.moneyOut.commissionVatCents)}  breakage ${euros(r.moneyOut.breakageCents)}  outstanding ${euros(r.moneyOut.outstandingCents)}  difference ${euros(r.differenceCents)}`).join('\n'),
  };
}

/**
 * `export-fec --out FILE|DIR [--from D] [--to D] [--encoding iso-8859-15|utf-8]` and
 * `export-journal --out FILE` (CSV): streamed to the file with backpressure, progress on
 * stderr every 100 000 lines. The FEC is ISO 8859-15 unless asked otherwise; given a
 * directory, it is written there as <SIREN>FEC<AAAAMMJJ>.txt (closing date: --to, or today).
 */
export function exportCommand(db: Database_, opts: Opts, kind: 'fec' | 'csv', config: Pick<Config, 'operator'>): Promise<Result> {
  return exportWith((p) => journalEntries(db, p), opts, kind, config);
}

/** The same export read from PostgreSQL: one window of the journal per query, no transaction held. */
export function exportCommandPostgres(client: pg.ClientBase, opts: Opts, kind: 'fec' | 'csv', config: Pick<Config, 'operator'>): Promise<Result> {
  return exportWith((p) => journalEntriesPostgres(client, p), opts, kind, config);
}

type Entries = Iterable<FecEntry> | AsyncIterable<FecEntry>;

async function exportWith(entries: (p: { from?: string; to?: string }) => Entries, opts: Opts, kind: 'fec' | 'csv', config: Pick<Config, 'operator'>): Promise<Result> {
  if (typeof opts.out !== 'string' || !opts.out) usage(`export-${kind === 'fec' ? 'fec' : 'journal'} needs --out ${kind === 'fec' ? 'FILE|DIR' : 'FILE'}`);
  const p = period(opts);
  const encoding: FecEncoding = opts.encoding === undefined ? 'iso-8859-15' : isFecEncoding(opts.encoding) ? opts.encoding : usage(`--encoding is one of ${FEC_ENCODINGS.join(', ')}`);
  if (kind === 'csv' && opts.encoding !== undefined) usage('--encoding is for export-fec (the journal CSV is UTF-8)');
  const file = kind === 'fec' && isDirectory(opts.out) ? join(opts.out, fecFileName(config.operator.siren, p.to ?? parisDate(new Date()))) : opts.out;
  const out = createWriteStream(file);
  const lines = kind === 'fec' ? fecLines(entries(p)) : journalCsvLines(entries(p));
  // FEC: plain text, LF-terminated, in its character set; the journal CSV starts with a BOM so spreadsheets read UTF-8.
  const n = await streamLinesTo(out, withProgress(lines), { eol: '\n', bom: kind === 'csv', ...(kind === 'fec' ? { encode: (text: string) => fecBytes(text, encoding) } : {}) });
  await once(out, 'finish');
  return { code: 0, json: { file, lines: n, ...p, ...(kind === 'fec' ? { encoding } : {}) }, text: `${n} lines written to ${file}` };
}

/** Progress on stderr every 100 000 lines. */
function withProgress(lines: Iterable<string> | AsyncIterable<string>): Iterable<string> | AsyncIterable<string> {
  let n = 0;
  const tick = () => {
    if (++n % 100_000 === 0) process.stderr.write(`  ${n} lines…\n`);
  };
  if (Symbol.asyncIterator in lines) {
    return (async function* () {
      for await (const line of lines) {
        yield line;
        tick();
      }
    })();
  }
  return (function* () {
    for (const line of lines) {
      yield line;
      tick();
    }
  })();
}

const isDirectory = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
