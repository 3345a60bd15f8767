import { createHash } from 'node:crypto';
import type { Database_ } from '../../db/client';

/**
 * Columns that change on a harmless read (a key's last use, a session's last activity, a
 * rate-limit counter): left out so the fingerprint only moves when data changes.
 */
export const VOLATILE: Record<string, readonly string[]> = {
  api_keys: ['last_used_at'],
};
/**
 * Tables left out: the migrations' bookkeeping. A table that only counts attempts (a rate
 * limit kept in the database) belongs here too if refused calls are ever counted in it.
 */
export const IGNORED = new Set<string>(['__drizzle_migrations']);

/**
 * A cheap digest of every table's rows: equal fingerprints before and after a batch of
 * requests mean those requests changed nothing (orders, vouchers, ledger, shops, keys…).
 */
export function dbFingerprint(database: Database_): Record<string, string> {
  const tables = database.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[];
  const out: Record<string, string> = {};
  for (const table of tables) {
    if (IGNORED.has(table)) continue;
    const columns = (database.sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).filter((c) => !VOLATILE[table]?.includes(c));
    const rows = database.sqlite.prepare(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table}" ORDER BY rowid`).raw().all();
    out[table] = `${rows.length}:${createHash('sha256').update(JSON.stringify(rows)).digest('hex').slice(0, 16)}`;
  }
  return out;
}
