/**
 * `DATABASE_URL=postgres://…` starts the app (server/main.ts → server/postgres-start.ts): two
 * real server processes started at the same moment on one empty PostgreSQL database migrate
 * it, seed the demo once (through copy-database, under an advisory lock) and share one
 * development session secret; the page frame (brand, footer) and the health check read
 * PostgreSQL, not a file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { childEnv, startServerProcess, type ServerProcess } from '../support/server-process';

// Skips only where PostgreSQL is not installed, with a printed notice; REQUIRE_POSTGRES=1
// (set by .ci/run) makes postgresAvailable() throw instead, so in CI this runs or fails.
describe.skipIf(!postgresAvailable())('the app on PostgreSQL: npm start with a postgres:// DATABASE_URL', () => {
  let cluster: PgCluster;
  let client: pg.Client;
  let dataDir: string;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    cluster = await startPostgres();
    const url = await cluster.createDatabase('app');
    client = new pg.Client({ connectionString: url });
    await client.connect();
    dataDir = mkdtempSync(join(tmpdir(), 'app-on-pg-'));
    // No SESSION_SECRET: the servers must agree on the one stored in the database.
    const env = childEnv({ DATABASE_URL: url, DATA_DIR: dataDir, LOG_LEVEL: 'warn', SEED_DEMO: '1' });
    delete env.SESSION_SECRET;
    servers.push(...(await Promise.all([startServerProcess(env, { timeoutMs: 150_000 }), startServerProcess(env, { timeoutMs: 150_000 })])));
  }, 240_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await client?.end();
    cluster?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('both servers are healthy on one database, seeded once with the demo', async () => {
    for (const s of servers) expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    // Exactly one of them seeded (and printed the demo accounts); the other found the data.
    expect(servers.filter((s) => s.output().includes('demo data seeded')).length).toBe(1);
    const { rows } = await client.query<{ campaigns: string; vouchers: string; secrets: string }>(
      `SELECT (SELECT COUNT(*) FROM campaigns) AS campaigns, (SELECT COUNT(*) FROM redemptions) AS vouchers,
              (SELECT COUNT(*) FROM settings WHERE key = 'development_session_secret') AS secrets`,
    );
    expect(Number(rows[0]!.campaigns)).toBeGreaterThan(0);
    // The demo's till history came over with it.
    expect(Number(rows[0]!.vouchers)).toBeGreaterThan(0);
    expect(Number(rows[0]!.secrets)).toBe(1);
  });

  it('the scheduled jobs run on PostgreSQL, each planned run once across both servers', async () => {
    // The start-up catch-up runs of the daily expiry and the maintenance sweep, recorded done
    // in PostgreSQL's job_leases by whichever server took them.
    let rows: { name: string; done_slot: number | null }[] = [];
    for (let i = 0; i < 600 && rows.filter((r) => r.done_slot !== null).length < 2; i++) {
      rows = (await client.query(`SELECT name, done_slot FROM job_leases WHERE name IN ('daily-expiry', 'maintenance-sweep') ORDER BY name`)).rows;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows.map((r) => r.name)).toEqual(['daily-expiry', 'maintenance-sweep']);
    expect(rows.every((r) => r.done_slot !== null)).toBe(true);
  });

  it('the brand every page uses is read from PostgreSQL, fresh on each request, on both servers', async () => {
    await client.query(`UPDATE operator_brand SET primary_color = '#123456', version = version + 1 WHERE id = 1`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM operator_brand WHERE id = 1');
    for (const s of servers) {
      const res = await fetch(`${s.url}/brand.css?v=${rows[0]!.version}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('immutable');
      expect(await res.text()).toContain('#123456');
    }
  });
});
