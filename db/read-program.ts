import type Database from 'better-sqlite3';
import type pg from 'pg';
import { exactInteger, PG_INT8, PG_NUMERIC } from './pg-numbers';

/**
 * Read-only SQL written once, run on either backend. A check or a report is a generator that
 * yields the queries it needs and receives their rows:
 *
 *   function* program(dialect): ReadProgram<number> { const [row] = yield { sql: 'SELECT …' }; return … }
 *
 * On SQLite it is driven synchronously (`runReadSync`): better-sqlite3 is synchronous and a
 * read transaction must not span an await, so `check-ledger` keeps its one snapshot without
 * holding the app's connection across other requests. On PostgreSQL the same generator is
 * driven with await (`runReadAsync`) on one client, inside the caller's transaction.
 *
 * The SQL is the portable subset both engines run the same way; where they differ the
 * program asks `dialect` (e.g. week arithmetic). Parameters are named `@name` (SQLite's own
 * syntax; turned into $n for PostgreSQL). Column aliases are lower case: PostgreSQL folds
 * unquoted names. Numbers come back as JS numbers on both sides (`SUM` of a bigint is a
 * numeric in PostgreSQL: parsed here, refused beyond 2^53 rather than rounded).
 */
export type Dialect = 'sqlite' | 'postgres';
export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;
export interface SqlRead {
  sql: string;
  params?: Record<string, SqlValue>;
}
export type ReadProgram<T> = Generator<SqlRead, T, Row[]>;

export function runReadSync<T>(sqlite: Database.Database, program: ReadProgram<T>): T {
  let step = program.next();
  while (!step.done) {
    const { sql, params } = step.value;
    const stmt = sqlite.prepare(sql);
    step = program.next((params ? stmt.all(params) : stmt.all()) as Row[]);
  }
  return step.value;
}

// A query's parsers replace its connection's: int8 read as db/postgres.ts reads it, and numeric (SUM of a bigint).
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (oid === PG_INT8 || oid === PG_NUMERIC) && format !== 'binary' ? exactInteger : pgTypes.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};
let pgTypes: typeof pg.types;

/** `@name` → `$n` (the same name twice is one parameter); names inside quoted strings are left alone. */
export function positional(sql: string, params: Record<string, SqlValue> = {}): { text: string; values: SqlValue[] } {
  const order: string[] = [];
  const text = sql.replace(/'(?:[^']|'')*'|@([a-z_][a-z0-9_]*)/gi, (match, name: string | undefined) => {
    if (name === undefined) return match;
    if (!(name in params)) throw new Error(`no value for @${name}`);
    let i = order.indexOf(name);
    if (i < 0) i = order.push(name) - 1;
    return `$${i + 1}`;
  });
  return { text, values: order.map((n) => params[n]!) };
}

/** One portable read on PostgreSQL: `@name` parameters, exact integers. */
async function readRows(client: pg.ClientBase | pg.Pool, read: SqlRead): Promise<Row[]> {
  pgTypes ??= (await import('pg')).default.types;
  const { text, values } = positional(read.sql, read.params);
  return (await client.query({ text, values, types })).rows as Row[];
}

export async function runReadAsync<T>(client: pg.ClientBase, program: ReadProgram<T>): Promise<T> {
  let step = program.next();
  while (!step.done) step = program.next(await readRows(client, step.value));
  return step.value;
}

/**
 * A long read that hands out results as it goes (an export of millions of lines): it yields
 * either a query (`{ read }`, answered with its rows) or a result (`{ out }`, answered with
 * nothing). Each query stands alone (no transaction spans the export, so no snapshot or
 * connection is held between pages); the program bounds what it reads itself (keyset
 * windows), so it sees the data as it stood when it began.
 */
export type StreamStep<T> = { read: SqlRead } | { out: T };
export type StreamProgram<T> = Generator<StreamStep<T>, void, Row[] | undefined>;

/** SQLite: pulled synchronously, one prepared statement per distinct query text. */
export function* streamSync<T>(sqlite: Database.Database, program: StreamProgram<T>): Generator<T> {
  const statements = new Map<string, Database.Statement>();
  try {
    let step = program.next();
    while (!step.done) {
      if ('out' in step.value) {
        yield step.value.out;
        step = program.next();
        continue;
      }
      const { sql, params } = step.value.read;
      let stmt = statements.get(sql);
      if (!stmt) statements.set(sql, (stmt = sqlite.prepare(sql)));
      step = program.next((params ? stmt.all(params) : stmt.all()) as Row[]);
    }
  } finally {
    program.return();
  }
}

/**
 * PostgreSQL: the same program, each query awaited on `client` (outside any transaction).
 * Given the pool, each query takes a connection and gives it back: none is held while the
 * caller writes out a page (a slow download keeps no connection from the till).
 */
export async function* streamAsync<T>(client: pg.ClientBase | pg.Pool, program: StreamProgram<T>): AsyncGenerator<T> {
  try {
    let step = program.next();
    while (!step.done) {
      if ('out' in step.value) {
        yield step.value.out;
        step = program.next();
      } else {
        step = program.next(await readRows(client, step.value.read));
      }
    }
  } finally {
    program.return();
  }
}

/**
 * A read program on one PostgreSQL snapshot: REPEATABLE READ READ ONLY, so every query sees
 * the same committed state (check-ledger's rule on SQLite) and writers are never blocked.
 */
export async function readSnapshotPostgres<T>(client: pg.ClientBase, program: ReadProgram<T>): Promise<T> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const result = await runReadAsync(client, program);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
