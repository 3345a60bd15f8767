import type Database from 'better-sqlite3';
import type pg from 'pg';

/** What copy-database needs to know of a table on each side. */
export interface SourceTable {
  name: string;
  columns: string[];
  /** Tables its foreign keys point at (itself excluded). */
  parents: string[];
}

/** The SQLite database's own tables (not SQLite's, not the migrations' bookkeeping), columns in order. */
export function sqliteTables(sqlite: Database.Database): SourceTable[] {
  const names = sqlite
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__drizzle_migrations' ORDER BY name`)
    .pluck()
    .all() as string[];
  return names.map((name) => ({
    name,
    columns: sqlite.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).pluck().all(name) as string[],
    parents: (sqlite.prepare(`SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`).pluck().all(name) as string[]).filter((p) => p !== name),
  }));
}

/** Column name → PostgreSQL type name (udt_name: text, int8…) for every table of the public schema. */
export async function postgresColumns(client: pg.Client): Promise<Map<string, Map<string, string>>> {
  const { rows } = await client.query<{ table_name: string; column_name: string; udt_name: string }>(
    `SELECT table_name, column_name, udt_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const tables = new Map<string, Map<string, string>>();
  for (const r of rows) {
    if (!tables.has(r.table_name)) tables.set(r.table_name, new Map());
    tables.get(r.table_name)!.set(r.column_name, r.udt_name);
  }
  return tables;
}

/** How the two schemas differ (tables or columns on one side only); empty when they match. */
export function schemaDifferences(source: SourceTable[], target: Map<string, Map<string, string>>): string[] {
  const out: string[] = [];
  for (const t of source) {
    const columns = target.get(t.name);
    if (!columns) {
      out.push(`table ${t.name} is missing on PostgreSQL`);
      continue;
    }
    for (const c of t.columns) if (!columns.has(c)) out.push(`column ${t.name}.${c} is missing on PostgreSQL`);
    for (const c of columns.keys()) if (!t.columns.includes(c)) out.push(`column ${t.name}.${c} exists only on PostgreSQL`);
  }
  const names = new Set(source.map((t) => t.name));
  for (const name of target.keys()) if (!names.has(name)) out.push(`table ${name} exists only on PostgreSQL`);
  return out;
}

/** Parents before children (ties by name, so runs are repeatable); a foreign-key cycle is refused. */
export function foreignKeyOrder(tables: SourceTable[]): SourceTable[] {
  const done = new Set<string>();
  const ordered: SourceTable[] = [];
  const known = new Set(tables.map((t) => t.name));
  while (ordered.length < tables.length) {
    const ready = tables.filter((t) => !done.has(t.name) && t.parents.every((p) => done.has(p) || !known.has(p)));
    if (!ready.length) throw new Error(`foreign keys form a cycle among: ${tables.filter((t) => !done.has(t.name)).map((t) => t.name).join(', ')}`);
    for (const t of ready) {
      done.add(t.name);
      ordered.push(t);
    }
  }
  return ordered;
}

/**
 * Every sequence behind a column (identity columns, and defaults taking nextval(), such as
 * redemptions.number), with the column it numbers.
 */
export async function postgresSequences(client: pg.Client): Promise<{ sequence: string; table: string; column: string }[]> {
  const { rows } = await client.query<{ sequence: string; table: string; column: string }>(
    `SELECT COALESCE(pg_get_serial_sequence(quote_ident(table_name), column_name), substring(column_default from 'nextval\\(''([^'']+)''')) AS sequence,
            table_name AS table, column_name AS column
       FROM information_schema.columns
      WHERE table_schema = 'public' AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')
      ORDER BY table_name, column_name`,
  );
  return rows;
}
