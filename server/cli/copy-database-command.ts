import type { Database_ } from '../../db/client';
import { copySqliteToPostgres, type CopyProgress } from '../../db/copy/copy-database';
import { connectPostgres, isPostgresUrl, migratePostgres, redactedUrl } from '../../db/postgres';
import { booksProof, type BooksProof } from '../reports/books-proof';
import { usage, type Opts, type Result } from './command';

/** Progress on stderr (stdout keeps the one result line): at most a line a second per table, and its last. */
function progressPrinter(write: (line: string) => void, now: () => number = Date.now) {
  let last = 0;
  return (p: CopyProgress) => {
    const done = p.copied === p.total;
    if (!done && (p.copied === 0 || now() - last < 1_000)) return;
    last = now();
    write(`copy-database: ${p.table} ${p.copied}/${p.total} rows`);
  };
}

export async function copyDatabaseCommand(database: Database_, opts: Opts): Promise<Result> {
  const to = opts.to;
  if (typeof to !== 'string' || !isPostgresUrl(to)) usage('copy-database needs --to postgres://…');
  const shown = redactedUrl(to);
  let client;
  try {
    client = await connectPostgres(to);
  } catch (error) {
    return { code: 1, json: { copied: false, error: 'TARGET_UNREACHABLE', target: shown, detail: (error as Error).message }, text: `cannot connect to ${shown}: ${(error as Error).message}` };
  }
  try {
    await migratePostgres(client);
    const started = Date.now();
    const outcome = await copySqliteToPostgres(database.sqlite, client, { onProgress: progressPrinter((line) => process.stderr.write(`${line}\n`)), proof: booksProof(new Date()) });
    const ms = Date.now() - started;
    if (!outcome.ok && outcome.reason === 'TARGET_NOT_EMPTY') {
      return { code: 1, json: { copied: false, error: outcome.reason, target: shown, tables: outcome.tables }, text: `refused: ${shown} is not empty (rows in ${outcome.tables.join(', ')}); copy into an empty database` };
    }
    if (!outcome.ok && outcome.reason === 'SCHEMA_MISMATCH') {
      return { code: 1, json: { copied: false, error: outcome.reason, differences: outcome.differences }, text: `refused: the schemas differ (nothing copied):\n${outcome.differences.map((d) => `  ${d}`).join('\n')}` };
    }
    if (!outcome.ok && outcome.reason === 'PROOF_MISMATCH') {
      return { code: 1, json: { copied: false, error: outcome.reason, source: outcome.source, target: outcome.target }, text: `the books read differently on the copy (check-ledger, liability or reconciliation), rolled back (the target is still empty):\n  here:  ${JSON.stringify(outcome.source)}\n  there: ${JSON.stringify(outcome.target)}` };
    }
    if (!outcome.ok) {
      const lines = outcome.mismatches.map((m) => `  ${m.table}: ${m.source.rows} rows ${m.source.digest} here, ${m.target.rows} rows ${m.target.digest} there`);
      return { code: 1, json: { copied: false, error: outcome.reason, mismatches: outcome.mismatches }, text: `the copy differs from the source, rolled back (the target is still empty):\n${lines.join('\n')}` };
    }
    const rows = outcome.tables.reduce((n, t) => n + t.rows, 0);
    const proof = outcome.proof as BooksProof;
    const books = { breaches: proof.breaches.length, campaigns: proof.liability.length, outstandingCents: proof.liability.reduce((n, l) => n + l.outstandingCents, 0) };
    const text = [
      `copied ${rows} rows in ${outcome.tables.length} tables to ${shown} (${ms} ms); row counts and digests equal on both sides:`,
      ...outcome.tables.map((t) => `  ${t.table.padEnd(22)} ${String(t.rows).padStart(9)}  ${t.digest}`),
      ...outcome.sequences.map((s) => `  sequence ${s.sequence}: ${s.lastValue === null ? 'starts at 1' : `next after ${s.lastValue}`}`),
      `the books read the same on both sides: check-ledger ${books.breaches === 0 ? 'clean' : `${books.breaches} breaches on both`}, liability and reconciliation of ${books.campaigns} campaigns equal (outstanding ${books.outstandingCents} cents)`,
    ].join('\n');
    return { code: 0, json: { copied: true, target: shown, ms, tables: outcome.tables, sequences: outcome.sequences, books }, text };
  } finally {
    await client.end();
  }
}
