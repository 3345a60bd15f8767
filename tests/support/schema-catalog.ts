import type Database from 'better-sqlite3';
import type pg from 'pg';

/**
 * Each backend's schema as read from its own catalog (never from our schema files), in one
 * shape so the two can be compared: columns (in name order) with type and nullability, primary key, indexes
 * (unique or not, partial or not, columns), CHECK constraints by name, foreign keys, triggers.
 */
export interface TableShape {
  columns: string[];
  primaryKey: string[];
  indexes: string[];
  checks: string[];
  foreignKeys: string[];
  triggers: string[];
}
export type Catalog = Record<string, TableShape>;

/** SQLite's declared types and what the PostgreSQL mirror uses for them (INTEGER is 64-bit; BLOB, the brand's images, is bytea; REAL, a shop's position, is double precision). */
const PG_TYPE_OF: Record<string, string> = { INTEGER: 'int8', TEXT: 'text', BLOB: 'bytea', REAL: 'float8' };

export function sqliteCatalog(sqlite: Database.Database): Catalog {
  const all = <T>(sql: string, ...args: unknown[]) => sqlite.prepare(sql).all(...args) as T[];
  const tables = all<{ name: string; sql: string }>(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__drizzle_migrations'`);
  const out: Catalog = {};
  for (const { name, sql } of tables) {
    const columns = all<{ name: string; type: string; notnull: number; pk: number }>(`SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, name);
    const indexes = all<{ name: string; unique: number; origin: string; partial: number }>(`SELECT name, "unique", origin, partial FROM pragma_index_list(?)`, name).filter((i) => i.origin !== 'pk');
    out[name] = {
      // A single INTEGER PRIMARY KEY is the rowid: NOT NULL without saying so.
      columns: columns.map((c) => `${c.name} ${PG_TYPE_OF[c.type.toUpperCase()] ?? c.type}${c.notnull || c.pk ? ' not null' : ''}`).sort(),
      primaryKey: columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
      indexes: indexes
        .map((i) => {
          const cols = all<{ name: string }>(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, i.name).map((c) => c.name);
          return `${i.name}${i.unique ? ' unique' : ''}${i.partial ? ' partial' : ''} (${cols.join(', ')})`;
        })
        .sort(),
      checks: [...sql.matchAll(/CONSTRAINT\s+["`]?(\w+)["`]?\s+CHECK/gi)].map((m) => m[1]!).sort(),
      foreignKeys: all<{ from: string; table: string; to: string }>(`SELECT "from", "table", "to" FROM pragma_foreign_key_list(?)`, name)
        .map((f) => `${f.from} -> ${f.table}.${f.to}`)
        .sort(),
      triggers: (sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name`).pluck().all(name) as string[]),
    };
  }
  return out;
}

export async function postgresCatalog(client: pg.Client): Promise<Catalog> {
  const q = async <T extends object>(sql: string) => (await client.query<T>(sql)).rows;
  const out: Catalog = {};
  const columns = await q<{ table_name: string; column_name: string; udt_name: string; is_nullable: string }>(
    `SELECT table_name, column_name, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  for (const c of columns) {
    out[c.table_name] ??= { columns: [], primaryKey: [], indexes: [], checks: [], foreignKeys: [], triggers: [] };
    out[c.table_name]!.columns.push(`${c.column_name} ${c.udt_name}${c.is_nullable === 'NO' ? ' not null' : ''}`);
  }
  const indexes = await q<{ table: string; name: string; unique: boolean; primary: boolean; partial: boolean; columns: string[] }>(
    `SELECT t.relname AS table, i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary, x.indpred IS NOT NULL AS partial,
            ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace s ON s.oid = t.relnamespace
      WHERE s.nspname = 'public'`,
  );
  for (const i of indexes) {
    if (i.primary) out[i.table]!.primaryKey = i.columns;
    else out[i.table]!.indexes.push(`${i.name}${i.unique ? ' unique' : ''}${i.partial ? ' partial' : ''} (${i.columns.join(', ')})`);
  }
  const constraints = await q<{ table: string; name: string; type: string; detail: string }>(
    `SELECT t.relname AS table, c.conname AS name, c.contype AS type,
            CASE WHEN c.contype = 'f' THEN (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = c.conkey[1])
              || ' -> ' || (SELECT r.relname FROM pg_class r WHERE r.oid = c.confrelid)
              || '.' || (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.confrelid AND a.attnum = c.confkey[1]) END AS detail
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace s ON s.oid = t.relnamespace
      WHERE s.nspname = 'public' AND c.contype IN ('c', 'f')`,
  );
  for (const c of constraints) {
    if (c.type === 'c') out[c.table]!.checks.push(c.name);
    else out[c.table]!.foreignKeys.push(c.detail);
  }
  const triggers = await q<{ table: string; name: string }>(
    `SELECT t.relname AS table, g.tgname AS name FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace s ON s.oid = t.relnamespace
      WHERE s.nspname = 'public' AND NOT g.tgisinternal ORDER BY g.tgname`,
  );
  for (const g of triggers) out[g.table]!.triggers.push(g.name);
  for (const shape of Object.values(out)) {
    // Column order is not compared: SQLite's ALTER TABLE appends, the mirror lists them as declared.
    shape.columns.sort();
    shape.indexes.sort();
    shape.checks.sort();
    shape.foreignKeys.sort();
  }
  return out;
}
