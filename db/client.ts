import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema/index';

export type Db = BetterSQLite3Database<typeof schema>;
/** What repositories receive: the database or an open transaction (same API). */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

export interface Database_ {
  db: Db;
  sqlite: Database.Database;
  /**
   * One unit of work. SQLite: BEGIN IMMEDIATE takes the write lock up front, so the
   * reads inside see the latest committed state and no other process can write until
   * commit — several processes on one file stay correct. Nothing async may run inside.
   */
  transaction<T>(fn: (tx: Tx) => T): T;
  close(): void;
}

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl === ':memory:') return ':memory:';
  if (databaseUrl.startsWith('file:')) return databaseUrl.slice('file:'.length);
  throw new Error(`Unsupported DATABASE_URL (SQLite only for now): ${databaseUrl.replace(/\/\/.*@/, '//***@')}`);
}

export function openDatabase(databaseUrl: string): Database_ {
  const path = sqlitePath(databaseUrl);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Another process holding the write lock makes us wait, not fail.
  sqlite.pragma('busy_timeout = 10000');
  const db = drizzle(sqlite, { schema });
  return {
    db,
    sqlite,
    transaction: (fn) => db.transaction((tx) => fn(tx), { behavior: 'immediate' }),
    close: () => sqlite.close(),
  };
}

export function migrateDatabase(database: Database_): void {
  migrate(database.db, { migrationsFolder });
}
