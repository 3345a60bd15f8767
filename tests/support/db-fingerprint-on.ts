import { createHash } from 'node:crypto';
import { rowsOf } from './backend-query';
import { dbFingerprint, IGNORED, VOLATILE } from './db-fingerprint';
import type { TestApp } from './test-app';

/**
 * dbFingerprint on the test app's backend. On PostgreSQL there is no rowid to order by, so
 * each table's rows are serialised and sorted: the digest still moves on any insert, delete
 * or change of a kept column, and only then.
 */
export async function dbFingerprintOn(t: Pick<TestApp, 'database' | 'pg'>): Promise<Record<string, string>> {
  if (!t.pg) return dbFingerprint(t.database);
  const tables = await rowsOf<{ name: string }>(t, `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`);
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    if (IGNORED.has(name)) continue;
    const columns = (await rowsOf<{ name: string }>(t, `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = @table ORDER BY ordinal_position`, { table: name }))
      .map((c) => c.name)
      .filter((c) => !VOLATILE[name]?.includes(c));
    const rows = (await rowsOf(t, `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${name}"`)).map((r) => JSON.stringify(columns.map((c) => r[c]))).sort();
    out[name] = `${rows.length}:${createHash('sha256').update(JSON.stringify(rows)).digest('hex').slice(0, 16)}`;
  }
  return out;
}
