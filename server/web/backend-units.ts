import type pg from 'pg';
import type { Tx } from '../../db/client';
import { pgUnits, sqliteDirect, sqliteUnits, type Units } from '../../db/store-units';
import { runAsync, runSync } from '../../db/unit-of-work';
import { readSnapshotPostgres, runReadSync, streamAsync, streamSync, type Dialect, type ReadProgram, type StreamProgram } from '../../db/read-program';
import type { AppContext } from './context';

type Backend = Pick<AppContext, 'database' | 'pg'>;

/**
 * The unit-of-work runner for a service written as Steps over a store (db/unit-of-work.ts),
 * on the backend this app was started on: SQLite's BEGIN IMMEDIATE transaction (synchronous,
 * as the direct calls it replaces) or a pooled READ COMMITTED PostgreSQL transaction
 * (retried on deadlock). Routes `await` the result, or use `andThen` on a hot path.
 */
export function storeUnits<S>(ctx: Backend, sqliteStore: (tx: Tx) => S, pgStore: (client: pg.ClientBase) => S): Units<S> {
  return ctx.pg ? pgUnits(ctx.pg, pgStore) : sqliteUnits(ctx.database, sqliteStore);
}

/**
 * The runner for a page's reads: on SQLite one deferred snapshot transaction (never blocks
 * a writer, never takes the write lock); on PostgreSQL one pooled connection whose statements
 * run in READ COMMITTED — enough for a page, which shows what was committed when it asked.
 * Reads that must agree across queries (a report's totals) use the read programs of
 * db/read-program.ts, which take a REPEATABLE READ snapshot on PostgreSQL.
 */
export function storeReads<S>(ctx: Backend, sqliteStore: (tx: Tx) => S, pgStore: (client: pg.ClientBase) => S): Units<S> {
  if (ctx.pg) {
    const pgdb = ctx.pg;
    return (work) => withClient(pgdb.pool, (client) => runAsync(work(pgStore(client))));
  }
  const database = ctx.database;
  return (work) => database.snapshot((tx) => runSync(work(sqliteStore(tx))));
}

/** Single-statement reads on SQLite outside any transaction (the hottest lookups), pooled on PostgreSQL. */
export function storeLookups<S>(ctx: Backend, sqliteStore: (tx: Tx) => S, pgStore: (client: pg.ClientBase) => S): Units<S> {
  if (ctx.pg) return storeReads(ctx, sqliteStore, pgStore);
  return sqliteDirect(ctx.database, sqliteStore);
}

/**
 * A read program (db/read-program.ts: portable SQL written once) on this app's backend, on one
 * consistent snapshot: SQLite's deferred read transaction (synchronous), PostgreSQL's
 * REPEATABLE READ READ ONLY on a pooled connection.
 */
export function readOn<T>(ctx: Backend, program: (dialect: Dialect) => ReadProgram<T>): T | Promise<T> {
  if (ctx.pg) return withClient(ctx.pg.pool, (client) => readSnapshotPostgres(client, program('postgres')));
  const database = ctx.database;
  return database.snapshot(() => runReadSync(database.sqlite, program('sqlite')));
}

/**
 * A long export (db/read-program.ts's stream programs) on this app's backend: pulled
 * synchronously from SQLite, or page by page from the PostgreSQL pool (a connection per
 * page, none held between them).
 */
export function streamOn<T>(ctx: Backend, program: StreamProgram<T>): Iterable<T> | AsyncIterable<T> {
  return ctx.pg ? streamAsync(ctx.pg.pool, program) : streamSync(ctx.database.sqlite, program);
}

async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}
