/**
 * db/pg-write-behind.ts on a real cluster: held writes leave as the unit's last statement with
 * COMMIT in one message, values inlined as literals; a held write's "exactly n rows" fails
 * the whole unit; two writes to one table never share a statement; BEGIN rides with the
 * first message; a write held to the end is not sent by the unit's queries, goes after the
 * held writes by rank, is replaced under its key, and never shares a statement with a write to
 * its table. (The till's own behaviour on top: till-both-backends and friends; the card
 * payment's: card-payment-lock-order-pg.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { connectPostgres, migratePostgres } from '../../db/postgres';
import { Ending, openPostgresPool, type PgDatabase } from '../../db/postgres-pool';
import { heldStatement, heldStatements, inlined, literal, pgUnit, type HeldWrite } from '../../db/pg-write-behind';
import { runAsync } from '../../db/unit-of-work';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';

// Skips only where PostgreSQL is not installed, with a printed notice; REQUIRE_POSTGRES=1
// (set by .ci/run) makes postgresAvailable() throw instead, so in CI this runs or fails.
const hasPostgres = postgresAvailable();

const note = (text: string, expectRows?: number): HeldWrite => ({
  table: 'notes',
  parts: [['w', `INSERT INTO notes (body) VALUES ($1) RETURNING 1`]],
  values: [text],
  expect: expectRows === undefined ? undefined : { rows: expectRows, error: `note ${text}: wrong count` },
});

describe('literal', () => {
  it('writes integers, NULL, booleans, arrays; refuses what it cannot write exactly', () => {
    const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
    // Negative in parentheses: `x -$1` must not become `x --12`, a comment.
    expect(literal(-12, quote)).toBe('(-12)');
    expect(inlined({ text: 'SELECT 1 -$1', values: [-12] }, quote)).toBe('SELECT 1 -(-12)');
    expect(() => inlined({ text: 'SELECT $1, $2', values: [1] }, quote)).toThrow(/no value for \$2/);
    expect(literal(null, quote)).toBe('NULL');
    expect(literal(true, quote)).toBe('TRUE');
    expect(literal(['a', 'b'], quote)).toBe("ARRAY['a', 'b']");
    expect(() => literal(1.5, quote)).toThrow(/integer/);
    expect(() => literal(2 ** 60, quote)).toThrow(/integer/);
    expect(() => literal({}, quote)).toThrow(/literal/);
    // A value that looks like a placeholder is not substituted again.
    expect(inlined({ text: 'SELECT $1, $2', values: ['$2', 7] }, quote)).toBe("SELECT '$2', 7");
  });

  it('numbers each write\'s placeholders after the previous ones', () => {
    const s = heldStatement([note('a'), { ...note('b', 1), table: 'other' }]);
    expect(s.text).toContain('VALUES ($1)');
    expect(s.text).toContain('VALUES ($2)');
    expect(s.text).toContain('expect_rows((SELECT COUNT(*) FROM w1_w), $3::bigint, $4::text)');
    expect(s.values).toEqual(['a', 'b', 1, 'note b: wrong count']);
  });

  it('starts a new statement where a table comes again, never before', () => {
    const other = (t: string): HeldWrite => ({ ...note(t), table: 'other' });
    const groups = heldStatements([note('a'), other('b'), note('c'), other('d'), { ...note('e'), table: 'third' }]);
    expect(groups).toHaveLength(2);
    expect(groups.map((g) => g.values)).toEqual([['a', 'b'], ['c', 'd', 'e']]);
  });
});

describe.skipIf(!hasPostgres)('held writes on PostgreSQL', () => {
  let cluster: PgCluster;
  let db: PgDatabase;
  let admin: pg.Client;

  beforeAll(async () => {
    cluster = await startPostgres();
    const url = await cluster.createDatabase('write_behind');
    admin = await connectPostgres(url);
    await migratePostgres(admin);
    await admin.query(`CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)`);
    db = openPostgresPool(url, { max: 2 });
  });
  afterAll(async () => {
    await db?.close();
    await admin?.end();
    cluster?.stop();
  });

  const bodies = async () => (await admin.query<{ body: string }>(`SELECT body FROM notes ORDER BY id`)).rows.map((r) => r.body);

  it('commits the held writes with the unit, strings quoted whatever they hold', async () => {
    await admin.query('TRUNCATE notes');
    const nasty = `it's a \\ back'slash'); DROP TABLE notes; --`;
    const seen = await db.transaction(async (client) => {
      const unit = pgUnit(client, { begins: true });
      const inside = await runAsync(
        (function* () {
          yield* unit.hold(note(nasty, 1));
          // A read after a held write sees it (the write is sent first).
          const r = yield* unit.query<{ n: number }>('count_notes', `SELECT COUNT(*)::int AS n FROM notes`, []);
          yield* unit.hold(note('second'));
          return r.rows[0]!.n;
        })(),
      );
      return new Ending(inside, unit.last());
    }, { unitBegins: true });
    expect(seen).toBe(1);
    expect(await bodies()).toEqual([nasty, 'second']);
  });

  it('rolls the whole unit back when a held write changes another number of rows than expected', async () => {
    await admin.query('TRUNCATE notes');
    const attempt = db.transaction(async (client) => {
      const unit = pgUnit(client, { begins: true });
      await runAsync(unit.query('one_note', `INSERT INTO notes (body) VALUES ($1)`, ['sent early']));
      await runAsync(unit.hold(note('held', 2)));
      return new Ending(null, unit.last());
    }, { unitBegins: true });
    await expect(attempt).rejects.toMatchObject({ code: '23514', message: 'note held: wrong count' });
    expect(await bodies()).toEqual([]);
  });

  it('sends two writes to one table in two statements, in order', async () => {
    await admin.query('TRUNCATE notes');
    await db.transaction(async (client) => {
      const unit = pgUnit(client);
      await runAsync(unit.hold(note('first')));
      await runAsync(unit.hold(note('then')));
      return new Ending(null, unit.last());
    });
    expect(await bodies()).toEqual(['first', 'then']);
  });

  it('holds a write to the end: not sent by a query, after the held writes by rank, replaced under its key, dropped with null', async () => {
    await admin.query('TRUNCATE notes');
    const seen = await db.transaction(async (client) => {
      const unit = pgUnit(client, { begins: true });
      const inside = await runAsync(
        (function* () {
          yield* unit.holdToEnd('late', 2, note('late'));
          yield* unit.holdToEnd('sum', 1, note('sum 1'));
          yield* unit.holdToEnd('gone', 1, note('gone'));
          yield* unit.hold(note('held'));
          // The query sends the held write, not the ones held to the end.
          const r = yield* unit.query<{ body: string }>('note_bodies', `SELECT body FROM notes ORDER BY id`, []);
          yield* unit.holdToEnd('sum', 1, note('sum 1+2'));
          yield* unit.holdToEnd('gone', 1, null);
          yield* unit.hold(note('held after'));
          return r.rows.map((x) => x.body);
        })(),
      );
      return new Ending(inside, unit.last());
    }, { unitBegins: true });
    expect(seen).toEqual(['held']);
    expect(await bodies()).toEqual(['held', 'held after', 'sum 1+2', 'late']);
  });

  it('never reports a unit done when its COMMIT rolled back (an error caught inside the unit)', async () => {
    await expect(
      db.transaction(async (client) => {
        await client.query('SELECT 1 / 0').catch(() => undefined);
        return 'done';
      }),
    ).rejects.toThrow(/rolled back at COMMIT/);
  });

  it('pipelines prepared statements (tail, pipeline): committed with the unit; a miss rolls it all back; the connection serves on', async () => {
    await admin.query('TRUNCATE notes');
    const nasty = `it's $1 a \\ back'slash'); DROP TABLE notes; --`;
    const once = (body: string, expectRows: number) =>
      db.transaction(async (client) => {
        const unit = pgUnit(client, { begins: true });
        const [count, bodies] = await runAsync(
          unit.pipeline([
            { name: 'p_count', text: `SELECT COUNT(*)::int AS n FROM notes WHERE body <> $1`, values: [''] },
            { name: 'p_bodies', text: `SELECT body FROM notes ORDER BY id`, values: [] },
          ]),
        );
        await runAsync(unit.hold(note(body, expectRows)));
        await runAsync(unit.holdToEnd('end', 1, note(`${body} end`)));
        return new Ending({ n: count![0]!.n, bodies: bodies!.map((r) => r.body) }, unit.tail());
      }, { unitBegins: true });
    // Twice on the same pooled connections: the second run uses the statements prepared by the first.
    expect(await once(nasty, 1)).toEqual({ n: 0, bodies: [] });
    expect(await once('two', 1)).toEqual({ n: 2, bodies: [nasty, `${nasty} end`] });
    await expect(once('missed', 2)).rejects.toMatchObject({ code: '23514', message: 'note missed: wrong count' });
    // Nothing of the failed unit is written, and both pooled connections answer plain queries again.
    const again = await Promise.all([1, 2].map(() => db.transaction(async (client) => (await client.query('SELECT 1 AS one')).rows[0].one)));
    expect(again).toEqual([1, 1]);
    expect(await bodies()).toEqual([nasty, `${nasty} end`, 'two', 'two end']);
  });

  it('a unit that sends nothing still begins and commits', async () => {
    const r = await db.transaction(async (client) => new Ending(7, pgUnit(client, { begins: true }).last()), { unitBegins: true });
    expect(r).toBe(7);
  });
});
