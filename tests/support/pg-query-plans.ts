import pg from 'pg';
import { StatementLog } from './query-plans';

/**
 * The PostgreSQL counterpart of query-plans.ts: records every statement any node-postgres
 * client of this process sends (pooled or not, prepared by name or not) with the values it
 * was sent with, then asks PostgreSQL for its plan (EXPLAIN (FORMAT JSON)) with those values.
 *
 * It wraps pg.Client.prototype.query, so the till's pooled connections and the read programs'
 * single client are seen alike, whatever layer built the SQL.
 */
export interface PgStatement {
  text: string;
  values: unknown[];
}

/** One plan node (the keys of EXPLAIN's JSON that the checks read). */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  'Actual Loops'?: number;
  'Actual Rows'?: number;
  'Workers Launched'?: number;
  Plans?: PlanNode[];
}

export interface PlanFinding {
  table: string;
  detail: string;
  sql: string;
}

/** Statements without a plan: transaction control and session settings. */
const NO_PLAN = /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET|SHOW|EXPLAIN|START|DEALLOCATE)\b/i;

type QueryFn = (...args: unknown[]) => unknown;

/** The statements of a `;`-separated text; a `;` inside a quoted literal ('…' or E'…', quotes doubled) does not split. */
export function statementsOf(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (c === ';' && !quoted) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

export class PgQueryRecorder extends StatementLog<PgStatement> {
  private original: QueryFn | null = null;

  install(): this {
    const proto = pg.Client.prototype as unknown as { query: QueryFn };
    const original = proto.query;
    this.original = original;
    const recorder = this;
    proto.query = function (this: unknown, ...args: unknown[]) {
      if (recorder.active) recorder.note(args);
      return original.apply(this, args);
    };
    return this;
  }

  uninstall(): void {
    if (this.original) (pg.Client.prototype as unknown as { query: QueryFn }).query = this.original;
    this.original = null;
  }

  private note(args: unknown[]): void {
    const [first, second] = args;
    const config = typeof first === 'string' ? { text: first, values: Array.isArray(second) ? second : [] } : (first as { text?: string; values?: unknown[] } | undefined);
    const values = config?.values ?? [];
    // A simple-protocol message may carry several statements, values inlined (the till's
    // BEGIN + reads, its held writes + COMMIT: db/pg-write-behind.ts): each is planned alone.
    const texts = values.length ? [config?.text ?? ''] : statementsOf(config?.text ?? '');
    for (const raw of texts) {
      const text = raw.trim();
      if (!text || NO_PLAN.test(text)) continue;
      if (!this.ran.has(text)) this.ran.set(text, { text, values });
    }
  }
}

/**
 * The plan of one statement, with the values it ran with. `analyze`: run it too (read-only
 * statements only) so each node says how many times it was executed (Actual Loops).
 */
export async function planOf(client: pg.ClientBase, s: PgStatement, opts: { analyze?: boolean } = {}): Promise<PlanNode> {
  // ANALYZE executes: only for reads (a data-modifying statement keeps its estimated plan).
  const options = opts.analyze && isRead(s.text) ? 'ANALYZE, FORMAT JSON' : 'FORMAT JSON';
  const { rows } = await client.query({ text: `EXPLAIN (${options}) ${s.text}`, values: s.values });
  const json = rows[0]['QUERY PLAN'] as { Plan: PlanNode }[];
  return json[0]!.Plan;
}

export const isRead = (sql: string) => /^\s*(SELECT|WITH)\b/i.test(sql) && !/\b(INSERT|UPDATE|DELETE)\b/i.test(sql) && !/\bFOR (UPDATE|SHARE)\b/i.test(sql);

/** Every node with its ancestors (nearest last). */
function* walk(node: PlanNode, ancestors: PlanNode[] = []): Generator<{ node: PlanNode; ancestors: PlanNode[] }> {
  yield { node, ancestors };
  for (const child of node.Plans ?? []) yield* walk(child, [...ancestors, node]);
}

/**
 * A node that reads a table in full: a Seq Scan, or an index walked from end to end (an
 * Index / Index Only Scan without an Index Cond). A bitmap scan always has a condition.
 */
const readsInFull = (n: PlanNode, partial: ReadonlySet<string>) =>
  n['Node Type'] === 'Seq Scan' || ((n['Node Type'] === 'Index Scan' || n['Node Type'] === 'Index Only Scan') && !n['Index Cond'] && !partial.has(n['Index Name'] ?? ''));

/**
 * The partial indexes of the database (CREATE INDEX … WHERE): walking one end to end reads
 * only the rows its predicate keeps (e.g. the few reissued vouchers), not the table.
 */
export async function partialIndexes(client: pg.ClientBase): Promise<Set<string>> {
  const { rows } = await client.query(`SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indpred IS NOT NULL`);
  return new Set(rows.map((r: { relname: string }) => r.relname));
}

const describe = (n: PlanNode) => `${n['Node Type']}${n['Index Name'] ? ` using ${n['Index Name']}` : ''} on ${n['Relation Name']}${n['Actual Loops'] !== undefined ? ` (loops ${n['Actual Loops']})` : ''}`;

/**
 * Full reads of one of `tables`. One exception, as on SQLite: an index walked in its order
 * under a Limit (the newest N rows, MAX(x) turned into a backward walk) reads N rows, not
 * the table.
 */
export function fullScans(plan: PlanNode, sql: string, tables: readonly string[], partial: ReadonlySet<string> = new Set()): PlanFinding[] {
  const out: PlanFinding[] = [];
  for (const { node, ancestors } of walk(plan)) {
    const table = node['Relation Name'];
    if (!table || !tables.includes(table) || !readsInFull(node, partial)) continue;
    if (node['Node Type'] !== 'Seq Scan' && ancestors.some((a) => a['Node Type'] === 'Limit')) continue;
    out.push({ table, detail: describe(node), sql });
  }
  return out;
}

/**
 * What makes a batch job quadratic, from an EXPLAIN ANALYZE: a full read of one of `tables`
 * executed more than once (the inner side of a nested loop, a correlated SubPlan), or a
 * Materialize / CTE Scan of at least `bigRows` rows re-read once per outer row (a nested loop
 * over a materialised history set). Parallel plans run a node once per process: up to
 * 1 + the Gather's launched workers loops is one read.
 */
export function repeatedScans(plan: PlanNode, sql: string, tables: readonly string[], partial: ReadonlySet<string> = new Set(), bigRows = 1_000): PlanFinding[] {
  const out: PlanFinding[] = [];
  for (const { node, ancestors } of walk(plan)) {
    const gather = [...ancestors].reverse().find((a) => a['Node Type'] === 'Gather' || a['Node Type'] === 'Gather Merge');
    const once = 1 + (gather?.['Workers Launched'] ?? 0);
    const loops = node['Actual Loops'] ?? 1;
    if (loops <= once) continue;
    const table = node['Relation Name'];
    if (table && tables.includes(table) && readsInFull(node, partial)) out.push({ table, detail: describe(node), sql });
    else if ((node['Node Type'] === 'Materialize' || node['Node Type'] === 'CTE Scan') && (node['Actual Rows'] ?? 0) >= bigRows) {
      out.push({ table: table ?? node['Node Type'], detail: `${node['Node Type']} of ${node['Actual Rows']} rows re-read ${loops} times`, sql });
    }
  }
  return out;
}

/** Whether any node of the plan reads through the named index. */
export const usesIndex = (plan: PlanNode, index: string): boolean => [...walk(plan)].some(({ node }) => node['Index Name'] === index);

/**
 * The plan PostgreSQL falls back to when full reads are priced out (enable_seqscan off, for
 * this statement only): a Seq Scan that remains there has no index that could serve it; one
 * that goes away was the planner's cost choice on this data (a small table, or a predicate
 * matching a large share of its rows), not a missing index.
 */
export async function planWithoutSeqScan(client: pg.ClientBase, s: PgStatement): Promise<PlanNode> {
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL enable_seqscan = off');
    return await planOf(client, s);
  } finally {
    await client.query('ROLLBACK');
  }
}
