import { runReadAsync, type ReadProgram, type Row, type SqlValue } from '../../db/read-program';
import type { TestApp } from './test-app';

/**
 * Portable SQL (`@name` parameters, lower-case aliases: db/read-program.ts) on whichever
 * backend the test app runs, for tests that look at or set up rows directly. Integers come
 * back as numbers on both (int8 and numeric parsed, refused beyond 2^53).
 * On SQLite it runs on the app's own connection; on PostgreSQL on the app's pool, each
 * statement committed on its own.
 */
export async function rowsOf<T = Row>(t: Pick<TestApp, 'database' | 'pg'>, sql: string, params: Record<string, SqlValue> = {}): Promise<T[]> {
  if (t.pg) {
    const client = await t.pg.pool.connect();
    try {
      return (await runReadAsync(client, one(sql, params))) as T[];
    } finally {
      client.release();
    }
  }
  const stmt = t.database.sqlite.prepare(sql);
  return (stmt.reader ? stmt.all(params) : (stmt.run(params), [])) as T[];
}

export async function rowOf<T = Row>(t: Pick<TestApp, 'database' | 'pg'>, sql: string, params: Record<string, SqlValue> = {}): Promise<T | undefined> {
  return (await rowsOf<T>(t, sql, params))[0];
}

// The read programs' driver: the same parameter syntax and number parsing as the app's reads.
function* one(sql: string, params: Record<string, SqlValue>): ReadProgram<Row[]> {
  return yield { sql, params };
}
