import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeCampaign } from '../../server/domain/campaigns/campaign-admin-service';
import { ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import { liabilityProgram } from '../../server/reports/liability';
import { readOn } from '../../server/web/backend-units';
import { rowOf, rowsOf } from '../support/backend-query';
import { postOrder } from '../support/builders';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 15: the same data-subject request answered from the command line (`cli personal-data`),
 * logged as `cli`, and the retention run — on each backend: the test app's SQLite file, then a
 * test app on a throwaway PostgreSQL cluster, its database as a postgres:// DATABASE_URL.
 * PostgreSQL skips only where it is not installed; REQUIRE_POSTGRES=1 (CI) makes that a failure.
 * (Kept to four processes a backend: each CLI start costs seconds; refusals are tested over HTTP.)
 */
const backends: ('sqlite' | 'postgres')[] = postgresAvailable() ? ['sqlite', 'postgres'] : ['sqlite'];
const NAME = 'Yasmine Terminal';
const EMAIL = 'yasmine.terminal@example.net';
const clock = fixedClock('2026-03-02T09:00:00Z');
let app: TestApp;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    env: { ...process.env, NODE_ENV: 'test', BASE_URL: 'http://localhost:3000', DATABASE_URL: databaseUrl(), DATA_DIR: app.dataDir },
    encoding: 'utf8',
  });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: last.startsWith('{') ? JSON.parse(last) : null };
}

/** Where the app's data are: the pool's own connection string on PostgreSQL (the test app's database on its cluster). */
function databaseUrl(): string {
  if (!app.pg) return `file:${join(app.dataDir, 'app.db')}`;
  const url = app.pg.pool.options.connectionString;
  if (!url?.startsWith('postgres')) throw new Error('the test app\'s pool has no postgres:// connection string');
  return url;
}

const liability = () => readOn(app, () => liabilityProgram(clock.now()));

describe.each(backends)('cli personal-data on %s', (backend) => {
  let cluster: PgCluster | undefined;
  beforeAll(async () => {
    if (backend === 'postgres') cluster = await startPostgres();
    // The Christmas campaign is over (its demo buyers' data are due for erasure some day).
    app = await startTestApp({ clock, backend, postgres: cluster, prepare: (database) => void closeCampaign({ database, clock, dataDir: tmpdir() }, 'noel-fecamp', { actor: 'operator:test' }) });
    // A pending card order: her name and email on the order and in the queued mail-to-come.
    const res = await postOrder(app.url, { paymentMethod: 'card', buyer: { type: 'individual', name: NAME, email: EMAIL }, items: [{ amountCents: 20_00, quantity: 1, recipientName: 'Zoé Ami', recipientEmail: 'zoe.ami@example.net', message: `De la part de ${NAME}` }] });
    expect(res.status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    cluster?.stop();
  });

  it('exports to a file, erases, sets a retention, runs the retention', async () => {
    expect(databaseUrl()).toMatch(backend === 'postgres' ? /^postgres(ql)?:\/\// : /^file:/);
    const before = await liability();
    const out = join(app.dataDir, 'export.json');
    const exported = cli(['personal-data', 'export', '--email', EMAIL, '--out', out, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    const data = JSON.parse(readFileSync(out, 'utf8'));
    expect(data.orders).toHaveLength(1);
    expect(data.orders[0]).toMatchObject({ buyerName: NAME, buyerEmail: EMAIL });

    const erased = cli(['personal-data', 'erase', '--email', EMAIL, '--reason', 'courrier du 1er mars', '--json']);
    expect(erased.code, erased.stderr).toBe(0);
    expect(erased.json.erased).toMatchObject({ orders: 1, subject: expect.stringMatching(/^sha256:/) });
    const dump = JSON.stringify(await rowsOf(app, `SELECT * FROM orders`)) + JSON.stringify(await rowsOf(app, `SELECT * FROM order_items`));
    expect(dump).toContain('erased.invalid');
    expect(dump).not.toContain(EMAIL);
    expect(dump).not.toContain(NAME);
    expect(await rowOf(app, `SELECT actor FROM audit_log WHERE action = 'personal_data_erase'`)).toEqual({ actor: 'cli' });

    expect(cli(['personal-data', 'retention', '--campaign', 'seine-estuaire', '--months', '36']).code).toBe(0);
    expect(await rowOf(app, `SELECT personal_data_retention_months AS m FROM campaigns WHERE slug = 'seine-estuaire'`)).toEqual({ m: 36 });

    // Long after the closed campaign's last voucher: its buyers and recipients erased, once; the running one untouched.
    const named = `SELECT count(*) AS n FROM orders o JOIN campaigns c ON c.id = o.campaign_id WHERE c.slug = @slug AND o.buyer_name <> '[effacé]'`;
    expect((await rowOf<{ n: number }>(app, named, { slug: 'noel-fecamp' }))!.n).toBeGreaterThan(0);
    const stillNamed = (await rowOf<{ n: number }>(app, named, { slug: 'seine-estuaire' }))!.n;
    const run = cli(['personal-data', 'retention-run', '--now', '2040-01-01T00:00:00Z', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.campaigns).toEqual([expect.objectContaining({ slug: 'noel-fecamp', orders: expect.any(Number) })]);
    expect(run.json.campaigns[0].orders).toBeGreaterThan(0);
    expect(await rowOf(app, named, { slug: 'noel-fecamp' })).toEqual({ n: 0 });
    expect(await rowOf(app, named, { slug: 'seine-estuaire' })).toEqual({ n: stillNamed });
    expect(await rowOf(app, `SELECT actor FROM audit_log WHERE action = 'campaign_personal_data_erase'`)).toEqual({ actor: 'cli' });

    expect(await liability()).toEqual(before);
    expect(await readOn(app, (d) => ledgerChecks(FULL, d))).toEqual([]);
  }, 120_000);
});
