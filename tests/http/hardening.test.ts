import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { loadConfig } from '../../server/config';
import { printable, printableJson } from '../../server/lib/printable';
import { isLocalRequest } from '../../server/web/dev/routes';
import { rowsOf } from '../support/backend-query';
import { shopKeyOn } from '../support/builders';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

/** Finding 6 of the security review (the items outside orders): seeding, /dev, sign-in of a suspended shop, CLI output. */
const OPERATOR_ENV = {
  OPERATOR_LEGAL_NAME: 'CCI Seine Estuaire', OPERATOR_ADDRESS: '181 quai Frissard', OPERATOR_POSTCODE: '76600', OPERATOR_CITY: 'Le Havre',
  OPERATOR_SIRET: '73282932000074', OPERATOR_VAT_NUMBER: 'FR44732829320', OPERATOR_IBAN: 'FR7630006000011234567890189', OPERATOR_BIC: 'AGRIFRPP',
  OPERATOR_EMAIL: 'bons@cci.example', OPERATOR_LEGAL_FORM: 'Établissement public administratif',
};
const PRODUCTION = { NODE_ENV: 'production', SESSION_SECRET: 'production-session-secret-of-32-chars!', DATA_DIR: '/tmp', ...OPERATOR_ENV };

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    env: { ...process.env, BASE_URL: 'http://localhost:3000', DATABASE_URL: app.config.databaseUrl, DATA_DIR: app.dataDir, NODE_ENV: 'test', ...env },
    encoding: 'utf8',
  });

describe('demo accounts never reach production', () => {
  it('SEED_DEMO=1 with NODE_ENV=production stops the start-up; production seeds nothing by default', () => {
    expect(() => loadConfig({ ...PRODUCTION, SEED_DEMO: '1' })).toThrow(/SEED_DEMO=1 is refused when NODE_ENV=production/);
    expect(loadConfig(PRODUCTION).seedDemo).toBe(false);
    expect(loadConfig({ ...PRODUCTION, SEED_DEMO: '0' }).seedDemo).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development', SESSION_SECRET: PRODUCTION.SESSION_SECRET, DATA_DIR: '/tmp' }).seedDemo).toBe(true);
  });

  it('cli seed-demo refuses in production (exit 2) and seeds nothing', () => {
    const empty = `file:${app.dataDir}/empty.db`;
    const r = cli(['seed-demo', '--json'], { ...PRODUCTION, DATA_DIR: app.dataDir, DATABASE_URL: empty });
    expect(r.status, r.stderr + r.stdout).toBe(2);
    expect(r.stderr).toContain('seed-demo is refused when NODE_ENV=production');
    expect(cli(['api-keys', '--json'], { DATABASE_URL: empty }).stdout).toContain('{"keys":[]}');
  }, 60_000);
});

describe('/dev/* (the outbox viewer)', () => {
  it('answers a request from this machine, not one forwarded by a proxy', async () => {
    expect((await fetch(`${app.url}/dev/outbox`)).status).toBe(200);
    expect((await fetch(`${app.url}/dev/outbox`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(404);
    expect((await fetch(`${app.url}/dev/outbox`, { headers: { forwarded: 'for=203.0.113.7' } })).status).toBe(404);
  });

  it('tells loopback peers from the network by the socket address', () => {
    const req = (remoteAddress: string, headers: Record<string, string> = {}) => ({ socket: { remoteAddress }, headers }) as unknown as Parameters<typeof isLocalRequest>[0];
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLocalRequest(req(a)), a).toBe(true);
    for (const a of ['192.168.1.5', '10.0.0.1', '::ffff:10.0.0.1', 'fe80::1', '']) expect(isLocalRequest(req(a)), a).toBe(false);
  });
});

describe('signing in to a suspended shop', () => {
  it('answers a right password exactly as a wrong one', async () => {
    const email = 'fromagerie@demo.bons-locaux.fr';
    await rowsOf(app, `UPDATE merchants SET status = 'suspended' WHERE slug = 'fromagerie-du-marche'`);
    const c = new FormClient(app.url);
    const page = await c.get('/connexion');
    const right = await c.post('/connexion', { email, password: DEMO_PASSWORD }, page.html);
    const wrong = await c.post('/connexion', { email, password: 'not-the-password-1' }, page.html);
    expect(right.res.status).toBe(401);
    expect(wrong.res.status).toBe(401);
    const message = (html: string) => /id="signin-error">([^<]+)</.exec(html)?.[1];
    expect(message(right.html)).toBe(message(wrong.html));
    expect(right.html).toContain('E-mail ou mot de passe incorrect.');
    await rowsOf(app, `UPDATE merchants SET status = 'approved' WHERE slug = 'fromagerie-du-marche'`);
  });
});

describe('CLI output of what users typed', () => {
  it('printable() shows terminal controls as escapes', () => {
    expect(printable('a\x1b[2Jb\u202ec\u009b\x00\x7f')).toBe('a\\x1b[2Jb\\u202ec\\x9b\\x00\\x7f');
    expect(printable('Librairie « La Galerne » — été')).toBe('Librairie « La Galerne » — été');
    const json = printableJson({ label: '\x1b]0;pwned\x07\u202e\u0085' });
    expect(json).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e]/);
    expect(JSON.parse(json)).toEqual({ label: '\x1b]0;pwned\x07\u202e\u0085' });
  });

  it('cli api-keys prints a label with escape sequences as visible text', async () => {
    // `api-keys` runs on SQLite only so far (server/cli.ts lists the commands ported to
    // PostgreSQL), and a PostgreSQL test app's DATABASE_URL is its pre-copy SQLite file: the
    // command gets a SQLite app of its own on both passes.
    const local = await startTestApp({ backend: 'sqlite' });
    try {
      await shopKeyOn(local, 'librairie-la-galerne', 'caisse\x1b[2J\x1b]0;pwned\x07\u202egnp.exe');
      for (const args of [['api-keys'], ['api-keys', '--json']]) {
        const r = cli(args, { DATABASE_URL: local.config.databaseUrl, DATA_DIR: local.dataDir });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]/);
        expect(r.stdout).toContain(args.length === 1 ? 'caisse\\x1b[2J\\x1b]0;pwned\\x07\\u202egnp.exe' : 'caisse\\u001b[2J\\u001b]0;pwned\\u0007\\u202egnp.exe');
      }
    } finally {
      await local.close();
    }
  }, 60_000);
});
