import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { connectPostgres } from '../../db/postgres';
import { verifyPassword } from '../../server/lib/passwords';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { FormClient, startTestApp } from '../support/test-app';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'operator-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dbFile = () => join(dir, 'app.db');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    env: { ...process.env, BASE_URL: 'http://localhost:3000', DATABASE_URL: `file:${dbFile()}`, DATA_DIR: dir, NODE_ENV: 'test' },
    encoding: 'utf8',
  });
  const lastLine = r.stdout.trim().split('\n').at(-1) ?? '';
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: args.includes('--json') && lastLine.startsWith('{') ? JSON.parse(lastLine) : null };
}

describe('cli create-admin', () => {
  it('creates an admin by default, who can then sign in to the back-office', async () => {
    const r = cli(['create-admin', '--email', 'Direction@CCI.example', '--password', 'a-strong-passphrase', '--json']);
    expect(r).toMatchObject({ code: 0, json: { user: { email: 'direction@cci.example', role: 'admin', name: 'direction' } } });
    const db = new Database(dbFile(), { readonly: true });
    const row = db.prepare('SELECT role, password_hash AS hash FROM operator_users WHERE email = ?').get('direction@cci.example') as { role: string; hash: string };
    db.close();
    expect(row.role).toBe('admin');
    expect(row.hash).toMatch(/^scrypt\$/);
    expect(row.hash).not.toContain('a-strong-passphrase');

    const app = await startTestApp({ databaseFile: dbFile() });
    try {
      const c = new FormClient(app.url);
      const page = await c.get('/operateur/connexion');
      const res = await c.post('/operateur/connexion', { email: 'direction@cci.example', password: 'a-strong-passphrase' }, page.html);
      expect(res.res.status).toBe(303);
      expect((await c.get('/operateur')).html).toContain('Administrateur');
    } finally {
      await app.close().catch(() => {});
    }
  });

  it('takes a role and a name', () => {
    expect(cli(['create-admin', '--email', 'lecture@cci.example', '--password', 'another-passphrase', '--role', 'viewer', '--name', 'Marc', '--json'])).toMatchObject({
      code: 0,
      json: { user: { email: 'lecture@cci.example', role: 'viewer', name: 'Marc' } },
    });
    expect(cli(['create-admin', '--email', 'agent@cci.example', '--password', 'another-passphrase', '--role', 'operator']).stdout).toContain('operator agent@cci.example created');
  });

  it('exits 1 when the email is taken', () => {
    const r = cli(['create-admin', '--email', 'direction@cci.example', '--password', 'a-strong-passphrase', '--json']);
    expect(r.code).toBe(1);
    expect(r.json.error.code).toBe('EMAIL_TAKEN');
  });

  it('exits 2 on bad usage: missing options, weak password, bad email, unknown role', () => {
    expect(cli(['create-admin', '--email', 'x@cci.example']).code).toBe(2);
    expect(cli(['create-admin', '--password', 'a-strong-passphrase']).code).toBe(2);
    const weak = cli(['create-admin', '--email', 'weak@cci.example', '--password', 'short-pw-11']);
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain('at least 12 characters');
    expect(cli(['create-admin', '--email', 'not-an-email', '--password', 'a-strong-passphrase']).code).toBe(2);
    expect(cli(['create-admin', '--email', 'role@cci.example', '--password', 'a-strong-passphrase', '--role', 'owner']).code).toBe(2);
    const db = new Database(dbFile(), { readonly: true });
    expect((db.prepare(`SELECT COUNT(*) AS n FROM operator_users WHERE email IN ('weak@cci.example', 'role@cci.example')`).get() as { n: number }).n).toBe(0);
    db.close();
  });
});

// Skips only where PostgreSQL is not installed; REQUIRE_POSTGRES=1 (CI) makes that a failure.
describe.skipIf(!postgresAvailable())('cli create-admin on a postgres:// DATABASE_URL', () => {
  let cluster: PgCluster;
  let url: string;
  beforeAll(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase('create_admin');
  });
  afterAll(() => cluster?.stop());

  const cliOn = (args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
      env: { ...process.env, BASE_URL: 'http://localhost:3000', DATABASE_URL: url, DATA_DIR: dir, NODE_ENV: 'test' },
      encoding: 'utf8',
    });
    return { code: r.status, stderr: r.stderr, json: JSON.parse(r.stdout.trim().split('\n').at(-1) || 'null') };
  };

  it('writes the user there (the password hashed), refuses a taken email (exit 1) and bad usage (exit 2)', async () => {
    const r = cliOn(['create-admin', '--email', 'Direction@CCI.example', '--password', 'a-strong-passphrase', '--json']);
    expect(r, r.stderr).toMatchObject({ code: 0, json: { user: { email: 'direction@cci.example', role: 'admin', name: 'direction' } } });
    const client = await connectPostgres(url);
    try {
      const row = (await client.query(`SELECT role, password_hash AS hash FROM operator_users WHERE email = 'direction@cci.example'`)).rows[0] as { role: string; hash: string };
      expect(row.role).toBe('admin');
      expect(await verifyPassword('a-strong-passphrase', row.hash)).toBe(true);
      expect(row.hash).not.toContain('a-strong-passphrase');

      const taken = cliOn(['create-admin', '--email', 'direction@cci.example', '--password', 'a-strong-passphrase', '--json']);
      expect(taken.code).toBe(1);
      expect(taken.json.error.code).toBe('EMAIL_TAKEN');
      expect(cliOn(['create-admin', '--email', 'weak@cci.example', '--password', 'short-pw-11']).code).toBe(2);
      expect((await client.query(`SELECT COUNT(*)::int AS n FROM operator_users`)).rows[0]).toEqual({ n: 1 });
    } finally {
      await client.end();
    }
  }, 120_000); // four CLI processes, each migrating the database first
});
