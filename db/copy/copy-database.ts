import type Database from 'better-sqlite3';
import type pg from 'pg';
import { runReadAsync, runReadSync, type Dialect, type ReadProgram } from '../read-program';
import { foreignKeyOrder, postgresColumns, postgresSequences, schemaDifferences, sqliteTables, type SourceTable } from './catalog';
import { RowDigest } from './row-digest';

export interface TableCopy {
  table: string;
  rows: number;
  digest: string;
}
export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}
export interface TableMismatch {
  table: string;
  source: { rows: number; digest: string };
  target: { rows: number; digest: string };
}
export type CopyOutcome =
  | { ok: true; tables: TableCopy[]; sequences: { sequence: string; lastValue: number | null }[]; proof: unknown }
  | { ok: false; reason: 'SCHEMA_MISMATCH'; differences: string[] }
  | { ok: false; reason: 'TARGET_NOT_EMPTY'; tables: string[] }
  | { ok: false; reason: 'COPY_MISMATCH'; mismatches: TableMismatch[] }
  | { ok: false; reason: 'PROOF_MISMATCH'; source: unknown; target: unknown };

/**
 * What must read the same on both sides besides the rows (the books: check-ledger, the
 * liability and reconciliation reports), as a read program run on the source's snapshot and
 * on the target's uncommitted copy. Its result is compared as JSON.
 */
export type CopyProof = (dialect: Dialect) => ReadProgram<unknown>;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Copies every table of a (live) SQLite database into a migrated, EMPTY PostgreSQL one and
 * proves the copy.
 *
 * - The source is read inside one read transaction: in WAL mode that is a consistent snapshot
 *   while the app goes on writing (what it writes afterwards is not copied: stop the app for the
 *   final switch-over).
 * - The target is written inside one transaction, with its constraints and triggers on (they
 *   check the data as they would the app's writes): a failure anywhere leaves it empty.
 * - Tables go parents first (foreign keys), in batches of `batchRows` rows, one
 *   INSERT … SELECT FROM unnest(…) per batch (one array parameter per column); the next batch
 *   is read while the server inserts the last one.
 * - Then the proof, before COMMIT: each table is read back from PostgreSQL through a cursor, its
 *   row count and order-independent digest (row-digest.ts) compared with the source's. A
 *   difference rolls everything back. Then `proof` (the books) runs on the source's snapshot
 *   and on the target inside its transaction: a different answer rolls back too.
 * - Sequences (identity ids, redemption numbers) are set to the highest value copied, so the
 *   next insert takes the next number. Counter tables (journal_counters, invoice_counters) are
 *   rows and travel with the data.
 */
export async function copySqliteToPostgres(
  sqlite: Database.Database,
  client: pg.Client,
  options: { batchRows?: number; onProgress?: (p: CopyProgress) => void; proof?: CopyProof } = {},
): Promise<CopyOutcome> {
  const batchRows = options.batchRows ?? 5_000;
  const source = sqliteTables(sqlite);
  const target = await postgresColumns(client);
  const differences = schemaDifferences(source, target);
  if (differences.length) return { ok: false, reason: 'SCHEMA_MISMATCH', differences };
  const ordered = foreignKeyOrder(source);

  await client.query('BEGIN');
  sqlite.exec('BEGIN');
  try {
    const nonEmpty: string[] = [];
    for (const t of ordered) {
      const { rows } = await client.query(`SELECT EXISTS (SELECT 1 FROM ${quote(t.name)}) AS found`);
      if (rows[0].found) nonEmpty.push(t.name);
    }
    if (nonEmpty.length) {
      await client.query('ROLLBACK');
      return { ok: false, reason: 'TARGET_NOT_EMPTY', tables: nonEmpty };
    }
    const copied: TableCopy[] = [];
    for (const t of ordered) copied.push(await copyTable(sqlite, client, t, target.get(t.name)!, batchRows, options.onProgress));
    const sequences = await resetSequences(client);
    const mismatches: TableMismatch[] = [];
    for (const c of copied) {
      const back = await digestPostgresTable(client, ordered.find((t) => t.name === c.table)!, batchRows);
      if (back.rows !== c.rows || back.digest !== c.digest) mismatches.push({ table: c.table, source: { rows: c.rows, digest: c.digest }, target: back });
    }
    if (mismatches.length) {
      await client.query('ROLLBACK');
      return { ok: false, reason: 'COPY_MISMATCH', mismatches };
    }
    let proof: unknown = null;
    if (options.proof) {
      proof = runReadSync(sqlite, options.proof('sqlite'));
      const there = await runReadAsync(client, options.proof('postgres'));
      if (JSON.stringify(there) !== JSON.stringify(proof)) {
        await client.query('ROLLBACK');
        return { ok: false, reason: 'PROOF_MISMATCH', source: proof, target: there };
      }
    }
    await client.query('COMMIT');
    return { ok: true, tables: copied, sequences, proof };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    sqlite.exec('COMMIT');
  }
}

async function copyTable(
  sqlite: Database.Database,
  client: pg.Client,
  table: SourceTable,
  targetTypes: Map<string, string>,
  batchRows: number,
  onProgress?: (p: CopyProgress) => void,
): Promise<TableCopy> {
  const columns = table.columns.map(quote).join(', ');
  const total = sqlite.prepare(`SELECT COUNT(*) FROM ${quote(table.name)}`).pluck().get() as number;
  const casts = table.columns.map((c, i) => `$${i + 1}::${targetTypes.get(c)}[]`).join(', ');
  const insert = `INSERT INTO ${quote(table.name)} (${columns}) SELECT * FROM unnest(${casts})`;
  const digest = new RowDigest();
  let batch: unknown[][] = [];
  // One INSERT runs on the server while the next batch is read and hashed here: at most one
  // batch waits in node-postgres's queue, so memory stays at two batches.
  let inFlight: Promise<unknown> | null = null;
  const flush = async () => {
    if (!batch.length) return;
    // Column-wise arrays: one parameter per column whatever the batch size.
    const rows = batch;
    const params = table.columns.map((_c, i) => rows.map((row) => row[i]));
    const copied = digest.rows;
    const sent = client.query(insert, params).then(() => onProgress?.({ table: table.name, copied, total }));
    sent.catch(() => undefined); // awaited below or at the next flush; a failure is thrown there
    batch = [];
    if (inFlight) await inFlight;
    inFlight = sent;
  };
  onProgress?.({ table: table.name, copied: 0, total });
  // The iterator holds the SQLite connection; nothing else uses it until the table is done.
  for (const row of sqlite.prepare(`SELECT ${columns} FROM ${quote(table.name)}`).raw().iterate() as IterableIterator<unknown[]>) {
    digest.add(row);
    batch.push(row);
    if (batch.length >= batchRows) await flush();
  }
  await flush();
  await inFlight;
  return { table: table.name, rows: digest.rows, digest: digest.hex };
}

/** Reads a table back through a server-side cursor (flat memory whatever its size). */
async function digestPostgresTable(client: pg.Client, table: SourceTable, batchRows: number): Promise<{ rows: number; digest: string }> {
  const digest = new RowDigest();
  await client.query(`DECLARE copy_check NO SCROLL CURSOR FOR SELECT ${table.columns.map(quote).join(', ')} FROM ${quote(table.name)}`);
  for (;;) {
    const { rows } = await client.query<unknown[]>({ text: `FETCH ${batchRows} FROM copy_check`, rowMode: 'array' });
    for (const row of rows) digest.add(row);
    if (rows.length < batchRows) break;
  }
  await client.query('CLOSE copy_check');
  return { rows: digest.rows, digest: digest.hex };
}

async function resetSequences(client: pg.Client): Promise<{ sequence: string; lastValue: number | null }[]> {
  const out: { sequence: string; lastValue: number | null }[] = [];
  for (const s of await postgresSequences(client)) {
    const { rows } = await client.query<{ max: number | null }>(`SELECT MAX(${quote(s.column)}) AS max FROM ${quote(s.table)}`);
    const max = rows[0]!.max;
    // setval(seq, 1, false): the next value is 1, as on a fresh database.
    await client.query(`SELECT setval($1, $2, $3)`, [s.sequence, max ?? 1, max !== null]);
    out.push({ sequence: s.sequence, lastValue: max });
  }
  return out;
}
