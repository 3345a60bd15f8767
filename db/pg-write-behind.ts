/**
 * The statements of one PostgreSQL unit of work, with its hot writes held back to the end.
 *
 * Why: every redemption of a campaign updates the same few rows (report aggregates, the
 * campaign's progress cache, the accounting journal's counter). Sent one by one, each of
 * those rows stays locked from its statement to COMMIT — several round trips and event-loop
 * turns of a busy till — and every other redemption of the campaign queues behind it. Held
 * back instead, they all go out as ONE statement (data-modifying CTEs) that the pool sends
 * in the same message as COMMIT (db/postgres-pool.ts): the rows are locked for the time the
 * server takes to run that statement and commit, not for a round trip to a busy till.
 *
 * The last message comes in one of two forms. The till's (`tail()`): the held statements as
 * named prepared statements — one name per shape of text, parsed and planned once per
 * connection, values as parameters — pipelined with COMMIT in one round trip
 * (db/pg-pipeline.ts). The other units' (`last()`): a simple-protocol query (`…; COMMIT`)
 * with the values written into its text as literals (`inlined`: integers, NULL, and
 * strings quoted by the driver's escapeLiteral — never raw text), parsed and planned at each
 * call. The earlier held flushes (rare: two writes to one table) are named prepared statements.
 *
 * What keeps it exact:
 * - a held write returns nothing to the service but what it already knows; a write whose
 *   row count matters (a conditional update, an aggregate decrease) carries its expectation
 *   and the statement checks it (`expect_rows`, PostgreSQL migration 0007): a miss raises,
 *   the statement aborts and the COMMIT behind it rolls the unit back, as a throw would;
 * - every immediate query first sends what is held (`flushed`), so a read sees the unit's
 *   own writes, in the order the service made them;
 * - two held writes to one table never share a statement (the CTEs of one statement do not
 *   see each other's rows): the second sends the first ones ahead.
 * Within the statement the writes run in the order held, the same for every unit of the same
 * shape, so two redemptions take the hot rows in the same order.
 *
 * Writes held TO THE END (`holdToEnd`): a write the unit never reads back — an increment of
 * a shared row, a column of a row the unit has locked already — can wait past the unit's
 * immediate queries too, which would otherwise send it (and lock its row) at once. They go
 * after every held write, in the order of their rank (`END_RANK`: the campaign row, then the
 * journal counter, then what refers to the journal), so every unit of every money path takes
 * the hot rows in the same order — report aggregates, campaign row, journal counter — and
 * two units can queue on them but never deadlock. A write held to the end is keyed: holding
 * another under the same key replaces it (a store folds several deltas of one row into ONE
 * write; two writes to one row in one statement would not see each other), null drops it.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { pipelined, type Sent } from './pg-pipeline';
import { preparedOn } from './postgres';
import { BEGIN, Ending, type PgDatabase } from './postgres-pool';
import { awaited, type Step } from './unit-of-work';

export interface HeldWrite {
  /** The table written (see above: one write per table and statement). */
  table: string;
  /**
   * The write as CTE bodies, each `[name, body]`, in order; a body names an earlier part of
   * the same write as `%name%`. The last part's rows are what the write returns (RETURNING).
   */
  parts: [string, string][];
  /** $1… of the bodies, numbered per write. */
  values: unknown[];
  /** How many rows the last part must return, and the error when it does not. */
  expect?: { rows: number; error: string };
}

export interface PgUnit {
  /** An immediate query (named prepared statement), after whatever is held. */
  query<R = Record<string, unknown>>(name: string, text: string, values: unknown[]): Step<{ rows: R[]; rowCount: number }>;
  /**
   * Several named prepared statements in ONE round trip (db/pg-pipeline.ts): where their
   * answers are all needed before the next step. Each still takes its own snapshot (READ
   * COMMITTED), in order; the unit's BEGIN goes first in the same write when still to send.
   */
  pipeline(statements: { name: string; text: string; values: unknown[] }[]): Step<Record<string, unknown>[][]>;
  /** Holds a write back to the end of the unit (or the next immediate query). */
  hold(write: HeldWrite): Step<void>;
  /**
   * Holds a write to the unit's very end (see the top comment): never sent by an immediate
   * query, placed after every held write by `rank`; the same `key` replaces it (null: drops it).
   */
  holdToEnd(key: string, rank: number, write: HeldWrite | null): Step<void>;
  /** Sends what is held now (not what is held to the end): before a query made on the connection directly (not through `query`). */
  flush(): Step<void>;
  /** The held writes as the text of the unit's last statement (values inlined), or null when nothing is held. */
  last(): string | null;
  /**
   * The held writes as named prepared statements (one name per shape of text, planned once
   * per connection), BEGIN in front if still to send: the pool pipelines them with COMMIT
   * (Ending), one round trip as `last()`, without planning the statement at each call.
   */
  tail(): Sent[];
}

/** A value as an SQL literal: integers, NULL, booleans, strings (escapeLiteral) and arrays of them. */
export function literal(value: unknown, quote: (s: string) => string): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`not an integer for SQL: ${value}`);
    // In parentheses when negative: `x -$1` must not become `x --5` (a comment).
    return value < 0 ? `(${value})` : String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return `ARRAY[${value.map((v) => literal(v, quote)).join(', ')}]`;
  throw new Error(`no SQL literal for ${typeof value}`);
}

/** A statement with its $n replaced by their literals (see the top comment). */
export function inlined(s: { text: string; values: unknown[] }, quote: (s: string) => string): string {
  return s.text.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    // A placeholder past the values is a bug in the statement, not a NULL.
    if (i < 0 || i >= s.values.length) throw new Error(`no value for $${n}`);
    return literal(s.values[i], quote);
  });
}

/**
 * The order of the writes held to the end (see the top comment): the campaign row (the till's
 * held `redeemed_cents` comes after its aggregates too), then the journal and its counter row
 * (the till posts its journal last), then the rows that refer to the journal (foreign keys).
 */
export const END_RANK = { campaign: 1, journal: 2, journalRefs: 3 } as const;

/**
 * The writes as few statements as they allow, in order: a new statement starts where a
 * table comes again (the CTEs of one statement do not see each other's rows).
 */
export function heldStatements(writes: readonly HeldWrite[]): { text: string; values: unknown[] }[] {
  const groups: HeldWrite[][] = [];
  for (const w of writes) {
    const current = groups[groups.length - 1];
    if (current && !current.some((h) => h.table === w.table)) current.push(w);
    else groups.push([w]);
  }
  return groups.map(heldStatement);
}

/** Holds one plain statement (`RETURNING 1` is added), optionally expected to change exactly one row. */
export function holdOne(unit: PgUnit, table: string, text: string, values: unknown[], error?: string): Step<void> {
  return unit.hold({ table, parts: [['w', `${text} RETURNING 1`]], values, expect: error ? { rows: 1, error } : undefined });
}

/** One statement for a list of held writes: the CTEs in order, then the row count (checked) of each write. */
export function heldStatement(writes: readonly HeldWrite[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const ctes: string[] = [];
  const counts: string[] = [];
  writes.forEach((w, i) => {
    const offset = values.length;
    const local = (s: string) => s.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`).replace(/%(\w+)%/g, (_, p: string) => `w${i}_${p}`);
    for (const [name, body] of w.parts) ctes.push(`w${i}_${name} AS (${local(body)})`);
    values.push(...w.values);
    const count = `(SELECT COUNT(*) FROM w${i}_${w.parts[w.parts.length - 1]![0]})`;
    if (!w.expect) return void counts.push(`${count} AS c${i}`);
    values.push(w.expect.rows, w.expect.error);
    counts.push(`expect_rows(${count}, $${values.length - 1}::bigint, $${values.length}::text) AS c${i}`);
  });
  return { text: `WITH ${ctes.join(',\n')}\nSELECT ${counts.join(', ')}`, values };
}

/** Prepared under a name derived from its text: each shape of tail is prepared once per connection. */
const nameOf = (text: string) => `held_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;

/**
 * `begins`: the unit sends BEGIN itself (UnitOptions.unitBegins), before anything else —
 * in the same round trip as its first `pipeline` or last statement, or just ahead of a prepared one.
 */
export function pgUnit(client: pg.ClientBase, o: { begins?: boolean } = {}): PgUnit {
  const prepared = preparedOn(client);
  const quote = (s: string) => client.escapeLiteral(s);
  let opening: string | null = o.begins ? BEGIN : null;
  /** The BEGIN still to send, to put in front of a message (and then never again). */
  const opened = () => {
    const b = opening;
    opening = null;
    return b;
  };
  const q: typeof prepared = async (name, text, values) => {
    const b = opened();
    if (b) await client.query(b);
    return prepared(name, text, values);
  };
  let held: HeldWrite[] = [];
  const atEnd = new Map<string, { rank: number; write: HeldWrite }>();
  const take = () => {
    const s = held.length === 0 ? null : heldStatement(held);
    held = [];
    return s;
  };
  /** Everything still held, as statements: the held writes, then those held to the end. */
  const lastWrites = () => {
    // Ranked, and within a rank in the order first held (Array.prototype.sort is stable).
    const ends = [...atEnd.values()].sort((a, b) => a.rank - b.rank).map((e) => e.write);
    atEnd.clear();
    const writes = [...held, ...ends];
    held = [];
    return writes.length === 0 ? [] : heldStatements(writes);
  };
  function* flushed(): Step<void> {
    const s = take();
    if (s) yield* awaited(() => q(nameOf(s.text), s.text, s.values));
  }
  return {
    *query<R>(name: string, text: string, values: unknown[]) {
      yield* flushed();
      return yield* awaited(() => q<R>(name, text, values));
    },
    *pipeline(statements) {
      yield* flushed();
      const b = opened();
      const results = yield* awaited(() => pipelined(client, b ? [b, ...statements] : statements));
      return results.slice(b ? 1 : 0).map((r) => r.rows as Record<string, unknown>[]);
    },
    flush: flushed,
    *hold(write) {
      if (held.some((h) => h.table === write.table)) yield* flushed();
      held.push(write);
    },
    // eslint-disable-next-line require-yield
    *holdToEnd(key, rank, write) {
      if (write) atEnd.set(key, { rank, write });
      else atEnd.delete(key);
    },
    last() {
      const b = opened();
      const statements = lastWrites().map((s) => inlined(s, quote));
      return [...(b ? [b] : []), ...statements].join(';\n') || null;
    },
    tail() {
      const b = opened();
      return [...(b ? [b] : []), ...lastWrites().map((s) => ({ name: nameOf(s.text), ...s }))];
    },
  };
}

/**
 * A unit of work whose stores hold writes: the held writes always end the unit, sent with
 * COMMIT (PgDatabase.transaction's `Ending`). Services other than the till's hot path use
 * this rather than building the Ending themselves, so no held write can be forgotten.
 */
export function pgUnitOfWork<T>(pg: PgDatabase, fn: (unit: PgUnit, client: pg.ClientBase) => Promise<T>): Promise<T> {
  return pg.transaction(async (client) => {
    const unit = pgUnit(client);
    const result = await fn(unit, client);
    return new Ending(result, unit.last());
  });
}
