import type pg from 'pg';
import type { Database_, Tx } from './client';
import type { PgDatabase } from './postgres-pool';
import { runAsync, runSync, type Step } from './unit-of-work';

/**
 * Runs one unit of work — a service written as Steps over a store — on whichever backend the
 * process was started on. The services and middleware that several server processes share
 * through the database (rate limits, API-key failure counts, TOTP replay, sessions, job
 * leases, the outbox claim) take one of these instead of a SQLite handle, so their rules
 * are written once.
 *
 * On SQLite the unit runs synchronously inside `database.transaction` (BEGIN IMMEDIATE) and
 * the value comes back as is: no promise, no event-loop turn, the speed of the direct calls
 * it replaces. On PostgreSQL it runs in a pooled READ COMMITTED transaction (retried on a
 * deadlock or serialization failure) and the value comes back as a promise. Callers that
 * must serve both write `andThen(units(work), (value) => …)`, which stays synchronous on
 * SQLite.
 */
export type Units<S> = <T>(work: (store: S) => Step<T>) => T | Promise<T>;

export function sqliteUnits<S>(database: Database_, storeOf: (tx: Tx) => S): Units<S> {
  return (work) => database.transaction((tx) => runSync(work(storeOf(tx))));
}

/**
 * SQLite without a transaction, each statement on its own: for the hottest reads (an API
 * key's lookup on every call), where BEGIN IMMEDIATE would serialise every request for a
 * read and a once-a-minute "last used".
 */
export function sqliteDirect<S>(database: Database_, storeOf: (tx: Tx) => S): Units<S> {
  return (work) => runSync(work(storeOf(database.db)));
}

export function pgUnits<S>(pgdb: PgDatabase, storeOf: (client: pg.ClientBase) => S): Units<S> {
  return (work) => pgdb.transaction((client) => runAsync(work(storeOf(client))));
}

/** `k(value)` now when the value is there (SQLite), after it resolves otherwise (PostgreSQL). */
export function andThen<T, R>(value: T | Promise<T>, k: (value: T) => R): R | Promise<Awaited<R>> {
  return value instanceof Promise ? value.then(k) as Promise<Awaited<R>> : k(value);
}
