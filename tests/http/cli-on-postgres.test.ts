/**
 * The operator commands ported to a postgres:// DATABASE_URL — seed-demo, remind-expiring,
 * create-merchant-user, create-api-key, api-keys — run as the operator runs them (a child
 * process of server/cli.ts), on a throwaway cluster: their rows there, their output the same
 * as on SQLite (compared with a SQLite file seeded alongside), and bad input refused with
 * nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { connectPostgres } from '../../db/postgres';
import { demoSales } from '../../db/seed/demo-data';
import { sha256 } from '../../server/lib/ids';
import { verifyPassword } from '../../server/lib/passwords';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';

type Run = { code: number | null; stdout: string; stderr: string; json: any };

// Skips only where PostgreSQL is not installed; REQUIRE_POSTGRES=1 (CI) makes that a failure.
describe.skipIf(!postgresAvailable())('ported CLI commands on a postgres:// DATABASE_URL', () => {
  let cluster: PgCluster;
  let dir: string;
  let url: string;
  let client: pg.Client;
  const sqliteUrl = () => `file:${join(dir, 'app.db')}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cli-on-postgres-'));
    cluster = await startPostgres();
    url = await cluster.createDatabase('demo');
  }, 120_000);
  afterAll(async () => {
    await client?.end();
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function cli(args: string[], databaseUrl = url): Run {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
      env: { ...process.env, BASE_URL: 'http://localhost:3000', DATABASE_URL: databaseUrl, DATA_DIR: dir, NODE_ENV: 'test' },
      encoding: 'utf8',
    });
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: args.includes('--json') && last.startsWith('{') ? JSON.parse(last) : null };
  }
  const count = async (sql: string, values: unknown[] = []) => (await client.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${sql}`, values)).rows[0]!.n;
  /** Everything but what is random in each seed (the demo API key). */
  const withoutKey = (json: any) => ({ ...json, apiKey: { ...json.apiKey, key: 'random' } });

  it('seed-demo seeds an empty database as SQLite does, then refuses: demo there already, or rows in other tables', async () => {
    const there = cli(['seed-demo', '--json']);
    expect(there.code, there.stderr).toBe(0);
    const here = cli(['seed-demo', '--json'], sqliteUrl());
    expect(here.code, here.stderr).toBe(0);
    expect(there.json).toMatchObject({ seeded: true, campaignSlug: 'seine-estuaire', merchantCount: 13 });
    expect(withoutKey(there.json)).toEqual(withoutKey(here.json));

    client = await connectPostgres(url);
    const merchants = await count('merchants');
    const vouchers = await count('vouchers');
    expect(merchants).toBeGreaterThanOrEqual(13);
    expect(vouchers).toBeGreaterThan(0);
    expect(await count('api_keys WHERE key_hash = $1', [sha256(there.json.apiKey.key)])).toBe(1);
    expect(cli(['check-ledger', '--json']).json).toMatchObject({ ok: true, breaches: [] });

    // Again: the SQLite command's refusal, word for word, and nothing added.
    const again = cli(['seed-demo']);
    expect(again.code).toBe(1);
    expect(again.stdout.trim()).toBe(cli(['seed-demo'], sqliteUrl()).stdout.trim());
    expect(again.stdout.trim()).toBe('database is not empty: nothing seeded');
    expect([await count('merchants'), await count('vouchers')]).toEqual([merchants, vouchers]);

    // No campaign but a staff member: copy-database cannot seed there; refused, tables named, nothing written.
    const staffOnly = await cluster.createDatabase('staff_only');
    expect(cli(['create-admin', '--email', 'direction@cci.example', '--password', 'a-strong-passphrase'], staffOnly).code).toBe(0);
    const refused = cli(['seed-demo', '--json'], staffOnly);
    expect(refused.code).toBe(1);
    expect(refused.json).toEqual({ seeded: false, reason: 'database not empty', tables: ['operator_users'] });
    const other = await connectPostgres(staffOnly);
    try {
      expect((await other.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM campaigns')).rows[0]!.n).toBe(0);
    } finally {
      await other.end();
    }
  }, 240_000);

  it('remind-expiring queues one reminder per voucher due, as on SQLite, once; a bad --now is refused', async () => {
    const bad = cli(['remind-expiring', '--now', '2027-13-40']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--now: an ISO-8601 instant');
    expect(await count(`outbox_messages WHERE kind = 'voucher_expiry_reminder'`)).toBe(0);

    const now = new Date(Date.now() + 170 * 86_400_000).toISOString();
    const there = cli(['remind-expiring', '--now', now, '--json']);
    expect(there.code, there.stderr).toBe(0);
    const christmas = demoSales.find(([slug]) => slug === 'noel-fecamp')![1].length;
    expect(there.json).toEqual({ reminded: { vouchers: christmas }, now });
    expect(there.json).toEqual(cli(['remind-expiring', '--now', now, '--json'], sqliteUrl()).json);
    expect(await count(`outbox_messages WHERE kind = 'voucher_expiry_reminder' AND status = 'pending'`)).toBe(christmas);
    expect(await count('vouchers WHERE expiry_reminded_at = $1', [now])).toBe(christmas);

    const again = cli(['remind-expiring', '--now', now]);
    expect(again).toMatchObject({ code: 0, stdout: `no voucher to remind as of ${now}\n` });
    expect(await count(`outbox_messages WHERE kind = 'voucher_expiry_reminder'`)).toBe(christmas);
  }, 120_000);

  it('create-merchant-user writes a shop user with a hashed password; a taken email, an unknown shop, a weak password or a bad role change nothing', async () => {
    const r = cli(['create-merchant-user', '--merchant', 'librairie-la-galerne', '--email', 'Caisse@Galerne.example', '--password', 'a-strong-passphrase', '--role', 'staff', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual({ user: { id: expect.any(String), email: 'caisse@galerne.example', role: 'staff', merchant: 'librairie-la-galerne' } });
    const row = (await client.query(
      `SELECT u.id, u.name, u.role, u.password_hash AS hash, m.slug FROM merchant_users u JOIN merchants m ON m.id = u.merchant_id WHERE u.email = 'caisse@galerne.example'`,
    )).rows[0];
    expect(row).toMatchObject({ id: r.json.user.id, name: 'caisse', role: 'staff', slug: 'librairie-la-galerne' });
    expect(await verifyPassword('a-strong-passphrase', row.hash)).toBe(true);
    expect(cli(['create-merchant-user', '--merchant', 'librairie-la-galerne', '--email', 'gerant@galerne.example', '--password', 'a-strong-passphrase', '--name', 'Anne']).stdout)
      .toBe('owner gerant@galerne.example created for librairie-la-galerne\n');

    const users = await count('merchant_users');
    const taken = cli(['create-merchant-user', '--merchant', 'librairie-la-galerne', '--email', 'caisse@galerne.example', '--password', 'a-strong-passphrase', '--json']);
    expect(taken).toMatchObject({ code: 1, json: { error: { code: 'EMAIL_TAKEN' } } });
    const unknown = cli(['create-merchant-user', '--merchant', 'nowhere', '--email', 'x@nowhere.example', '--password', 'a-strong-passphrase', '--json']);
    expect(unknown).toMatchObject({ code: 1, json: { error: { code: 'MERCHANT_NOT_FOUND' } } });
    expect(cli(['create-merchant-user', '--merchant', 'librairie-la-galerne', '--email', 'weak@galerne.example', '--password', 'short', '--json'])).toMatchObject({ code: 1, json: { error: { code: 'WEAK_PASSWORD' } } });
    const role = cli(['create-merchant-user', '--merchant', 'librairie-la-galerne', '--email', 'role@galerne.example', '--password', 'a-strong-passphrase', '--role', 'admin']);
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('--role is owner or staff');
    expect(await count('merchant_users')).toBe(users);
  }, 120_000);

  it('create-api-key prints the key once and keeps its hash; api-keys lists keys with their state, as SQLite words them', async () => {
    const shop = cli(['create-api-key', '--merchant', 'librairie-la-galerne', '--label', 'caisse 2', '--json']);
    expect(shop.code, shop.stderr).toBe(0);
    expect(shop.json).toEqual({ key: expect.stringMatching(/^bk_shop_/), id: expect.any(String), kind: 'merchant', merchant: 'librairie-la-galerne' });
    const row = (await client.query(`SELECT k.kind, k.label, k.prefix, m.slug FROM api_keys k JOIN merchants m ON m.id = k.merchant_id WHERE k.key_hash = $1`, [sha256(shop.json.key)])).rows[0];
    expect(row).toEqual({ kind: 'merchant', label: 'caisse 2', prefix: shop.json.key.slice(0, 16), slug: 'librairie-la-galerne' });
    const admin = cli(['create-api-key', '--admin']);
    expect(admin.stdout).toMatch(/^admin API key \(shown once\):\nbk_admin_\S+\n$/);
    const adminKey = admin.stdout.trim().split('\n')[1]!;
    expect((await client.query(`SELECT kind, merchant_id, label FROM api_keys WHERE key_hash = $1`, [sha256(adminKey)])).rows).toEqual([{ kind: 'admin', merchant_id: null, label: 'CLI' }]);

    const keys = await count('api_keys');
    expect(cli(['create-api-key', '--merchant', 'nowhere', '--json'])).toMatchObject({ code: 1, json: { error: 'MERCHANT_NOT_FOUND' } });
    expect(cli(['create-api-key', '--merchant', 'nowhere']).stdout).toBe('no shop with slug nowhere\n');
    expect(cli(['create-api-key', '--admin', '--merchant', 'librairie-la-galerne']).code).toBe(2);
    expect(cli(['create-api-key']).stderr).toContain('create-api-key needs --merchant SLUG or --admin');
    expect(await count('api_keys')).toBe(keys);

    // States come from the rows: one key revoked, one locked by failed lookups.
    const second = cli(['create-api-key', '--merchant', 'librairie-la-galerne', '--label', 'borne', '--json']).json;
    const until = new Date(Date.now() + 10 * 60_000).toISOString();
    await client.query(`UPDATE api_keys SET revoked_at = $2 WHERE id = $1`, [shop.json.id, new Date().toISOString()]);
    await client.query(`UPDATE api_keys SET locked_until = $2, failure_count = 20 WHERE id = $1`, [second.id, until]);
    const listed = cli(['api-keys', '--merchant', 'librairie-la-galerne', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const mine = listed.json.keys.filter((k: { id: string }) => [shop.json.id, second.id].includes(k.id));
    expect(mine).toEqual([
      expect.objectContaining({ id: shop.json.id, kind: 'merchant', label: 'caisse 2', state: 'revoked', lastUsedAt: null, recentFailures: 0 }),
      expect.objectContaining({ id: second.id, label: 'borne', state: 'locked', lockedUntil: until, recentFailures: 20 }),
    ]);
    const shopId = (await client.query(`SELECT id FROM merchants WHERE slug = 'librairie-la-galerne'`)).rows[0].id;
    expect(listed.json.keys.every((k: { merchantId: string }) => k.merchantId === shopId)).toBe(true);
    const text = cli(['api-keys', '--merchant', 'librairie-la-galerne']).stdout;
    expect(text).toContain(`${shop.json.key.slice(0, 16)}…  merchant revoked caisse 2\n`);
    expect(text).toContain(`${second.key.slice(0, 16)}…  merchant locked  borne until ${until}`);
    const all = cli(['api-keys', '--json']).json.keys;
    expect(all).toHaveLength(await count('api_keys'));
    expect(all.map((k: { kind: string }) => k.kind)).toContain('admin');

    expect(cli(['api-keys', '--merchant', 'nowhere', '--json'])).toMatchObject({ code: 1, json: { error: 'MERCHANT_NOT_FOUND' } });
    const empty = await cluster.createDatabase('no_keys');
    expect(cli(['api-keys'], empty)).toMatchObject({ code: 0, stdout: 'no API keys\n' });
  }, 180_000);
});
