/**
 * `cli copy-database --to postgres://…`: a live SQLite database copied into an empty
 * PostgreSQL one on a real cluster, checked here row by row from both sides (not through the
 * command's own digests), with its sequences ready for the next insert; a non-empty target,
 * a target whose stored rows differ, and a schema mismatch are refused with nothing left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { migrateDatabase, openDatabase, type Database_ } from '../../db/client';
import { copySqliteToPostgres } from '../../db/copy/copy-database';
import { connectPostgres, migratePostgres } from '../../db/postgres';
import { seedDemo } from '../../db/seed/demo';
import { seedDemoRedemptions } from '../../db/seed/demo-redemptions';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';

// Skips only where PostgreSQL is not installed, with a printed notice; REQUIRE_POSTGRES=1
// (set by .ci/run) makes postgresAvailable() throw instead, so in CI this runs or fails.
describe.skipIf(!postgresAvailable())('copy-database to PostgreSQL', () => {
  let dir: string;
  let file: string;
  /** The app's connection, open during the copies: the source is live. */
  let live: Database_;
  let cluster: PgCluster;
  const clients: pg.Client[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'copy-database-'));
    file = join(dir, 'app.db');
    live = openDatabase(`file:${file}`, { backgroundCheckpoints: false });
    migrateDatabase(live);
    const now = new Date('2026-11-23T10:00:00Z');
    await seedDemo(live, now);
    await seedDemoRedemptions(live, now);
    cluster = await startPostgres();
  });
  afterAll(async () => {
    for (const c of clients) await c.end();
    await live?.close();
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = async (name: string, migrate = false) => {
    const client = await connectPostgres(await cluster.createDatabase(name));
    clients.push(client);
    if (migrate) await migratePostgres(client);
    return client;
  };
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
      env: { ...process.env, BASE_URL: 'http://localhost:3000', DATABASE_URL: `file:${file}`, DATA_DIR: dir, NODE_ENV: 'test' },
      encoding: 'utf8',
    });
    return { code: r.status, stderr: r.stderr, json: JSON.parse(r.stdout.trim().split('\n').at(-1)!) };
  };
  const tables = () => live.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__drizzle_migrations' ORDER BY name`).pluck().all() as string[];
  const columns = (table: string) => (live.sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).map((c) => `"${c}"`).join(', ');
  /** A table's rows as sorted JSON lines: equal lists mean equal contents, whatever the order. */
  const sqliteRows = (table: string) => (live.sqlite.prepare(`SELECT ${columns(table)} FROM "${table}"`).raw().all() as unknown[][]).map((r) => JSON.stringify(r)).sort();
  const postgresRows = async (client: pg.Client, table: string) =>
    (await client.query<unknown[]>({ text: `SELECT ${columns(table)} FROM "${table}"`, rowMode: 'array' })).rows.map((r) => JSON.stringify(r)).sort();
  const postgresCounts = async (client: pg.Client) => {
    const out: Record<string, number> = {};
    for (const t of tables()) out[t] = (await client.query<{ n: number }>(`SELECT COUNT(*)::int8 AS n FROM "${t}"`)).rows[0]!.n;
    return out;
  };

  it('copies every table of a live database, proves it, and leaves the sequences at the next number', async () => {
    const client = await connect('target');
    const url = `${cluster.url.replace(/\/postgres$/, '')}/target`;
    const r = cli(['copy-database', '--to', url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ copied: true });
    // Progress on stderr, a line per table at least.
    expect(r.stderr).toMatch(/^copy-database: movements (\d+)\/\1 rows$/m);
    expect(r.stderr).toMatch(/^copy-database: redemptions (\d+)\/\1 rows$/m);
    for (const table of tables()) {
      const source = sqliteRows(table);
      expect(await postgresRows(client, table), table).toEqual(source);
      expect(r.json.tables.find((t: { table: string }) => t.table === table)?.rows, table).toBe(source.length);
    }
    expect(sqliteRows('redemptions').length).toBeGreaterThan(0);

    const max = (sql: string) => live.sqlite.prepare(sql).pluck().get() as number;
    await client.query('BEGIN');
    try {
      expect((await client.query(`SELECT nextval('redemption_number_seq') AS n`)).rows[0].n).toBe(max('SELECT MAX(number) FROM redemptions') + 1);
      const line = await client.query(`INSERT INTO journal_lines (journal_id, account, amount_cents) SELECT MIN(id), 'x', 0 FROM journals RETURNING id`);
      expect(line.rows[0].id).toBe(max('SELECT MAX(id) FROM journal_lines') + 1);
      const audit = await client.query(`INSERT INTO audit_log (at, actor, action, entity_type, entity_id) VALUES ('2026-11-23', 'cli', 'x', 'x', 'x') RETURNING id`);
      expect(audit.rows[0].id).toBe(max('SELECT MAX(id) FROM audit_log') + 1);
    } finally {
      await client.query('ROLLBACK');
    }

    // Copying again is refused: the target is not empty, and stays as it was.
    const before = await postgresCounts(client);
    const again = await copySqliteToPostgres(live.sqlite, client);
    expect(again).toMatchObject({ ok: false, reason: 'TARGET_NOT_EMPTY' });
    expect(again.ok === false && again.reason === 'TARGET_NOT_EMPTY' && again.tables).toContain('vouchers');
    expect(await postgresCounts(client)).toEqual(before);
  });

  it('copies the snapshot it started from while the app keeps writing', async () => {
    const client = await connect('snapshot', true);
    const settingsBefore = sqliteRows('settings');
    let wrote = false;
    const outcome = await copySqliteToPostgres(live.sqlite, client, {
      batchRows: 7,
      onProgress: () => {
        if (wrote) return;
        wrote = true;
        // Another connection, as another app process would write.
        const other = openDatabase(`file:${file}`, { backgroundCheckpoints: false });
        other.sqlite.prepare(`INSERT INTO settings (key, value, updated_at) VALUES ('written-during-copy', 'x', '2026-11-23')`).run();
        void other.close();
      },
    });
    expect(wrote).toBe(true);
    expect(outcome).toMatchObject({ ok: true });
    expect(sqliteRows('settings')).toContain(JSON.stringify(['written-during-copy', 'x', '2026-11-23']));
    expect(await postgresRows(client, 'settings')).toEqual(settingsBefore);
    live.sqlite.prepare(`DELETE FROM settings WHERE key = 'written-during-copy'`).run();
  });

  it('rolls everything back when what PostgreSQL stored differs from the source', async () => {
    const client = await connect('tampered', true);
    // A target that rewrites what it is given (a stray trigger): the digests must see it.
    await client.query(`CREATE FUNCTION rename_campaign() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := NEW.name || ' '; RETURN NEW; END; $$`);
    await client.query(`CREATE TRIGGER rename_campaign BEFORE INSERT ON campaigns FOR EACH ROW EXECUTE FUNCTION rename_campaign()`);
    const outcome = await copySqliteToPostgres(live.sqlite, client);
    expect(outcome).toMatchObject({ ok: false, reason: 'COPY_MISMATCH', mismatches: [{ table: 'campaigns' }] });
    expect(Object.values(await postgresCounts(client)).every((n) => n === 0)).toBe(true);
  });

  it('leaves the target empty when PostgreSQL refuses a row halfway through', async () => {
    const client = await connect('refusing', true);
    // A stricter target: the last movements copied break its extra rule, after earlier batches went in.
    await client.query(`ALTER TABLE movements ADD CONSTRAINT late_refusal CHECK (id <> '${live.sqlite.prepare('SELECT MAX(id) FROM movements').pluck().get()}')`);
    await expect(copySqliteToPostgres(live.sqlite, client, { batchRows: 3 })).rejects.toMatchObject({ code: '23514', constraint: 'late_refusal' });
    expect(Object.values(await postgresCounts(client)).every((n) => n === 0)).toBe(true);
    // The source's read transaction ended with the failed copy.
    expect(live.sqlite.inTransaction).toBe(false);
  });

  it('refuses a PostgreSQL schema that does not match, before copying anything', async () => {
    const client = await connect('drifted', true);
    await client.query(`ALTER TABLE settings ADD COLUMN note text`);
    await client.query(`ALTER TABLE vouchers DROP COLUMN message`);
    const outcome = await copySqliteToPostgres(live.sqlite, client);
    expect(outcome).toEqual({ ok: false, reason: 'SCHEMA_MISMATCH', differences: ['column settings.note exists only on PostgreSQL', 'column vouchers.message is missing on PostgreSQL'] });
    expect(Object.values(await postgresCounts(client)).every((n) => n === 0)).toBe(true);
  });
});
