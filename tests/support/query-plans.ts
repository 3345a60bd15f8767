import type Database from 'better-sqlite3';

/**
 * Records every statement a connection runs (its SQL and the values it ran with) and reads
 * SQLite's EXPLAIN QUERY PLAN for each: a test can then say which tables a request read
 * in full, whatever layer (Drizzle, a prepared statement, a stream) sent the SQL.
 *
 * It wraps the methods of better-sqlite3's Statement prototype, so statements prepared and
 * cached before recording started (the till's, the ledger writer's) are seen too.
 */
export interface RanStatement {
  sql: string;
  args: unknown[];
}

export interface FullScan {
  /** The real table name (aliases resolved). */
  table: string;
  detail: string;
  sql: string;
}

type Method = 'run' | 'get' | 'all' | 'iterate';
const METHODS: Method[] = ['run', 'get', 'all', 'iterate'];

/**
 * What the recorders share (this file's for SQLite, pg-query-plans.ts's for PostgreSQL): the
 * distinct statements run while `during` awaits its function, each with its first arguments.
 */
export abstract class StatementLog<S> {
  protected ran = new Map<string, S>();
  protected active = false;

  /** Records what `fn` runs (awaited), returns the statements seen. */
  async during(fn: () => Promise<unknown>): Promise<S[]> {
    this.ran.clear();
    this.active = true;
    try {
      await fn();
    } finally {
      this.active = false;
    }
    return [...this.ran.values()];
  }
}

export class QueryRecorder extends StatementLog<RanStatement> {
  private restore: (() => void) | null = null;

  constructor(private readonly sqlite: Database.Database) {
    super();
  }

  /** Patches the Statement prototype of this driver (once); records while started. */
  install(): this {
    const proto = Object.getPrototypeOf(this.sqlite.prepare('SELECT 1')) as Record<string, unknown>;
    const originals = new Map<string, unknown>();
    const bound = new WeakMap<object, unknown[]>();
    const originalBind = proto.bind as (...a: unknown[]) => unknown;
    originals.set('bind', originalBind);
    proto.bind = function (this: object, ...args: unknown[]) {
      bound.set(this, args);
      return originalBind.apply(this, args);
    };
    const recorder = this;
    for (const m of METHODS) {
      const original = proto[m] as (...a: unknown[]) => unknown;
      originals.set(m, original);
      proto[m] = function (this: { source: string; database: unknown }, ...args: unknown[]) {
        if (recorder.active && this.database === recorder.sqlite) recorder.note(this.source, args.length ? args : (bound.get(this) ?? []));
        return original.apply(this, args);
      };
    }
    this.restore = () => {
      for (const [m, fn] of originals) proto[m] = fn;
    };
    return this;
  }

  uninstall(): void {
    this.restore?.();
    this.restore = null;
  }

  private note(sql: string, args: unknown[]): void {
    const trimmed = sql.trim();
    // Transaction control and pragmas have no plan.
    if (/^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA|EXPLAIN)\b/i.test(trimmed)) return;
    if (!this.ran.has(trimmed)) this.ran.set(trimmed, { sql: trimmed, args });
  }

  /** The plan's lines (`detail` column) for one statement, run with the values it ran with. */
  plan(s: RanStatement): string[] {
    const rows = this.sqlite.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...(s.args as never[])) as { detail: string }[];
    return rows.map((r) => r.detail);
  }

  /**
   * Full reads of one of `tables` repeated for each row of an outer query: a SCAN under a
   * correlated subquery (e.g. a CTE re-run per row). A batch job such as check-ledger may
   * read a table once; it must not read it once per row.
   */
  scansPerRow(s: RanStatement, tables: readonly string[]): FullScan[] {
    const aliases = tableAliases(s.sql);
    const rows = this.sqlite.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...(s.args as never[])) as { id: number; parent: number; detail: string }[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const out: FullScan[] = [];
    for (const r of rows) {
      const m = /^SCAN (\S+)/.exec(r.detail);
      if (!m) continue;
      const table = aliases.get(m[1]!.toLowerCase()) ?? m[1]!.toLowerCase();
      if (!tables.includes(table)) continue;
      for (let p = byId.get(r.parent); p; p = byId.get(p.parent)) {
        if (p.detail.startsWith('CORRELATED')) {
          out.push({ table, detail: `${p.detail} > ${r.detail}`, sql: s.sql });
          break;
        }
      }
    }
    return out;
  }

  /**
   * The plan lines that read one of `tables` in full: a SCAN, with or without an index. One
   * exception: a walk down an index in the order asked, stopped by a LIMIT (no GROUP BY, no
   * sort of its own: the newest N rows of a list) reads N rows, not the table.
   */
  fullScans(s: RanStatement, tables: readonly string[]): FullScan[] {
    const aliases = tableAliases(s.sql);
    const plan = this.plan(s);
    const stopsEarly = /\bLIMIT\b/i.test(s.sql) && !/\bGROUP BY\b/i.test(s.sql) && !plan.some((d) => d.includes('TEMP B-TREE'));
    const out: FullScan[] = [];
    for (const detail of plan) {
      const m = /^SCAN (\S+)/.exec(detail);
      if (!m) continue;
      if (stopsEarly && / USING (COVERING )?INDEX /.test(detail)) continue;
      const table = aliases.get(m[1]!.toLowerCase()) ?? m[1]!.toLowerCase();
      if (tables.includes(table)) out.push({ table, detail, sql: s.sql });
    }
    return out;
  }
}

const NOT_ALIASES = new Set(['where', 'on', 'join', 'left', 'inner', 'cross', 'natural', 'group', 'order', 'limit', 'using', 'union', 'set', 'values', 'indexed', 'not', 'window', 'having', 'full', 'right', 'outer', 'except', 'intersect', 'returning', 'as']);

/** alias (lower case) → table, from the FROM/JOIN/UPDATE/INTO clauses of a statement. */
export function tableAliases(sql: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\b(?:from|join|update|into)\s+["`]?(\w+)["`]?(?:\s+(?:as\s+)?["`]?(\w+)["`]?)?/gi;
  for (const m of sql.matchAll(re)) {
    const table = m[1]!.toLowerCase();
    out.set(table, table);
    const alias = m[2]?.toLowerCase();
    if (alias && !NOT_ALIASES.has(alias)) out.set(alias, table);
  }
  return out;
}
