import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema/index';
import { startCheckpointer, type Checkpointer } from './checkpointer';

export type Db = BetterSQLite3Database<typeof schema>;
/** What repositories receive: the database or an open transaction (same API). */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

/**
 * The better-sqlite3 connection under a Tx, for statements prepared once (the ledger
 * writer, the till). Inside `transaction(fn)` it is the connection holding the write lock.
 */
export const sqliteOf = (tx: Tx): Database.Database => (tx as unknown as { $client: Database.Database }).$client;

export interface Database_ {
  db: Db;
  sqlite: Database.Database;
  /**
   * One unit of work. SQLite: BEGIN IMMEDIATE takes the write lock up front, so the
   * reads inside see the latest committed state and no other process can write until
   * commit — several processes on one file stay correct. Nothing async may run inside.
   */
  transaction<T>(fn: (tx: Tx) => T): T;
  /**
   * A read-only unit of work on one consistent snapshot (SQLite: a deferred transaction,
   * which in WAL mode never blocks a writer; PostgreSQL: REPEATABLE READ, READ ONLY).
   * For long reads that must agree with themselves (check-ledger, settlement's breakage).
   */
  snapshot<T>(fn: (tx: Tx) => T): T;
  /**
   * Group commit for the busiest writes (the till). Calls queued in the same event-loop
   * turn run in ONE BEGIN IMMEDIATE transaction: a call that throws is rolled back alone
   * and rejects alone; the others commit together. Each call still re-reads what it
   * checks inside the transaction, so the guarantees are those of transaction(); only the
   * commit (and its share of WAL checkpoints) is paid once per batch instead of once per
   * call. A call may run twice (see groupCommit): it must have no effect outside the
   * database before it returns.
   */
  batchedTransaction<T>(fn: (tx: Tx) => T): Promise<T>;
  /** Stops the checkpoint thread (after a last checkpoint), then closes the connection. */
  close(): Promise<void>;
}

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl === ':memory:') return ':memory:';
  if (databaseUrl.startsWith('file:')) return databaseUrl.slice('file:'.length);
  throw new Error(`Unsupported DATABASE_URL (SQLite only for now): ${databaseUrl.replace(/\/\/.*@/, '//***@')}`);
}

export function openDatabase(databaseUrl: string, options: { backgroundCheckpoints?: boolean } = {}): Database_ {
  const path = sqlitePath(databaseUrl);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Another process holding the write lock makes us wait, not fail.
  sqlite.pragma('busy_timeout = 10000');
  // Checkpoints run in a background thread (db/checkpointer.ts), off the event loop, woken
  // by our commits; the connection's own automatic checkpoint stays as a safety net at
  // ~40 MB of WAL.
  let checkpointer: Checkpointer | null = null;
  if (path !== ':memory:' && options.backgroundCheckpoints !== false) {
    sqlite.pragma('wal_autocheckpoint = 10000');
    checkpointer = startCheckpointer(path);
  }
  const db = drizzle(sqlite, { schema });
  const committed = () => checkpointer?.committed();
  const batched = groupCommit(sqlite, db, committed);
  return {
    batchedTransaction: batched,
    db,
    sqlite,
    // better-sqlite3's own transaction wrapper keeps its BEGIN/COMMIT statements prepared
    // (Drizzle's re-parses them on every call). Repositories receive `db`: on this single
    // connection their statements run inside the open transaction.
    transaction: (fn) => {
      const result = sqlite.transaction(() => fn(db)).immediate();
      committed();
      return result;
    },
    snapshot: (fn) => sqlite.transaction(() => fn(db)).deferred(),
    close: async () => {
      await checkpointer?.stop();
      sqlite.close();
    },
  };
}

export function migrateDatabase(database: Database_): void {
  migrate(database.db, { migrationsFolder });
}

const MAX_BATCH = 64;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
/** A call threw after it had written: its writes cannot be undone alone without savepoints. */
class PartialWrite extends Error {}

function groupCommit(sqlite: Database.Database, db: Db, committed: () => void) {
  type Item = { fn: (tx: Tx) => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void };
  let queue: Item[] = [];
  let scheduled = false;
  const totalChanges = sqlite.prepare('SELECT total_changes() AS n').pluck();

  /** One BEGIN IMMEDIATE transaction running every call of the batch with `run`. */
  const pass = (batch: Item[], run: (item: Item) => Outcome) => sqlite.transaction(() => batch.map(run)).immediate();
  /**
   * Fast pass, no savepoints (a SAVEPOINT per call cost more than the call's own writes in
   * bench/). A call that throws before writing anything — every refusal of the till — is
   * isolated for free; total_changes() tells us whether it wrote. One that throws after
   * writing poisons the pass: the whole batch rolls back and runs again on the safe pass.
   */
  const fast = (item: Item): Outcome => {
    const before = totalChanges.get();
    try {
      return { ok: true, value: item.fn(db) };
    } catch (error) {
      if (totalChanges.get() !== before) throw new PartialWrite();
      return { ok: false, error };
    }
  };
  /** Safe pass: each call in its own SAVEPOINT (a nested better-sqlite3 transaction). */
  const safe = (item: Item): Outcome => {
    try {
      return { ok: true, value: sqlite.transaction(() => item.fn(db))() };
    } catch (error) {
      return { ok: false, error };
    }
  };

  const flush = () => {
    scheduled = false;
    const batch = queue.splice(0, MAX_BATCH);
    if (queue.length) schedule();
    let outcomes: Outcome[];
    try {
      try {
        outcomes = pass(batch, fast);
      } catch (error) {
        // Calls re-read everything they check, so running them again is safe.
        if (!(error instanceof PartialWrite)) throw error;
        outcomes = pass(batch, safe);
      }
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    committed();
    batch.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    });
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  return <T>(fn: (tx: Tx) => T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      schedule();
    });
}
