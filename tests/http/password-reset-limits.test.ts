import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { RESET_MAILS_PER_ACCOUNT } from '../../server/domain/merchants/password-reset';
import { hitSteps } from '../../server/domain/rate-limits/rate-limit';
import { sqliteRateLimitStore } from '../../server/domain/rate-limits/rate-limit-store';
import { pgRateLimitStore } from '../../server/domain/rate-limits/rate-limit-store-pg';
import { storeUnits } from '../../server/web/backend-units';
import { rowOf, rowsOf } from '../support/backend-query';
import { childEnv, startServerProcess, type ServerProcess } from '../support/server-process';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

/**
 * Finding 2 of the security review: 80 reset requests sent 40 mails to one user, the
 * answer's timing told existing accounts from unknown ones, older links outlived a newer
 * one, and the limits lived in each process's memory.
 */
const OWNER = 'galerne@demo.bons-locaux.fr';
const UNKNOWN = 'personne@example.org';

async function postWith(c: FormClient, path: string, fields: Record<string, string>, pageHtml: string, headers: Record<string, string> = {}) {
  const token = /name="_csrf" value="([^"]+)"/.exec(pageHtml)?.[1] ?? '';
  const res = await c.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ _csrf: token, ...fields }).toString() });
  return { res, html: await res.text() };
}

async function askReset(app: { url: string }, email: string, headers: Record<string, string> = {}) {
  const c = new FormClient(app.url);
  const page = await c.get('/mot-de-passe/oublie');
  return postWith(c, '/mot-de-passe/oublie', { email }, page.html, headers);
}

const OUTBOX_COUNT = 'SELECT COUNT(*) AS n FROM outbox_messages WHERE kind = @kind AND recipient = @recipient';
/** On a SQLite file (the two processes' database) or on the test app's backend. */
function outboxCount(db: Database.Database, kind: string, recipient: string): number;
function outboxCount(db: TestApp, kind: string, recipient: string): Promise<number>;
function outboxCount(db: Database.Database | TestApp, kind: string, recipient: string): number | Promise<number> {
  if (!('database' in db)) return (db.prepare(OUTBOX_COUNT).get({ kind, recipient }) as { n: number }).n;
  return rowOf<{ n: number }>(db, OUTBOX_COUNT, { kind, recipient }).then((r) => r!.n);
}
const tokenCount = async (app: TestApp) => (await rowOf<{ n: number }>(app, 'SELECT COUNT(*) AS n FROM password_tokens'))!.n;

describe('password reset (one process)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: '1' }, rateLimits: { passwordResetsPer15Min: 5, signInFailuresPerAccountPer15Min: 3 } });
  });
  afterAll(() => app.close());

  it('80 requests for one account send at most the per-account limit of mails (3 per hour)', async () => {
    for (let i = 0; i < 80; i++) expect((await askReset(app, OWNER, { 'x-forwarded-for': `198.51.100.${i}` })).res.status).toBe(200);
    await app.drainOutbox();
    expect(await outboxCount(app, 'password_reset', OWNER)).toBe(RESET_MAILS_PER_ACCOUNT.limit);
    expect(RESET_MAILS_PER_ACCOUNT.limit).toBe(3);
  }, 120_000);

  it('counts every request per address, known account or not', async () => {
    const from = { 'x-forwarded-for': '203.0.113.50' };
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await askReset(app, i % 2 ? OWNER : UNKNOWN, from)).res.status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
  });

  it('answers the same and does the same work whether or not the account exists: only a task is queued before the answer', async () => {
    const before = await tokenCount(app);
    const known = await askReset(app, 'fromagerie@demo.bons-locaux.fr', { 'x-forwarded-for': '203.0.113.60' });
    const unknown = await askReset(app, 'nobody-here@example.org', { 'x-forwarded-for': '203.0.113.61' });
    expect(known.res.status).toBe(200);
    const strip = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '');
    expect(strip(known.html)).toBe(strip(unknown.html));
    // Nothing account-specific has happened yet: no link, no mail — one identical task row each.
    expect(await tokenCount(app)).toBe(before);
    for (const email of ['fromagerie@demo.bons-locaux.fr', 'nobody-here@example.org']) {
      expect(await outboxCount(app, 'password_reset_request', email)).toBe(1);
      expect(await outboxCount(app, 'password_reset', email)).toBe(0);
    }
    await app.drainOutbox();
    expect(await outboxCount(app, 'password_reset', 'fromagerie@demo.bons-locaux.fr')).toBe(1);
    expect(await outboxCount(app, 'password_reset', 'nobody-here@example.org')).toBe(0);
  });

  it('an older link stops working once a newer one set the password', async () => {
    const email = 'bijouterie@demo.bons-locaux.fr';
    const links: string[] = [];
    for (let i = 0; i < 2; i++) {
      await askReset(app, email, { 'x-forwarded-for': `203.0.113.7${i}` });
      await app.drainOutbox();
      // The link this request sent: the one mail not seen before (no reliance on row order).
      const rows = await rowsOf<{ payload: string }>(app, `SELECT payload FROM outbox_messages WHERE kind = 'password_reset' AND recipient = @email`, { email });
      const fresh = rows.map((r) => (JSON.parse(r.payload) as { token: string }).token).filter((t) => !links.includes(t));
      expect(fresh).toHaveLength(1);
      links.push(fresh[0]!);
    }
    expect(links[0]).not.toBe(links[1]);
    const c = new FormClient(app.url);
    for (const t of links) expect((await c.get(`/mot-de-passe/${t}`)).res.status).toBe(200);
    const page = await c.get(`/mot-de-passe/${links[1]}`);
    expect((await c.post(`/mot-de-passe/${links[1]}`, { password: 'a-brand-new-password', confirm: 'a-brand-new-password' }, page.html)).res.status).toBe(303);
    expect((await c.get(`/mot-de-passe/${links[0]}`)).res.status).toBe(410);
    const old = await c.post(`/mot-de-passe/${links[0]}`, { password: 'attacker-password-1', confirm: 'attacker-password-1' }, page.html);
    expect(old.res.status).toBe(410);
  });

  it('limits failed sign-ins per account, from any address; successes are not counted', async () => {
    const c = new FormClient(app.url);
    const page = await c.get('/connexion');
    const email = 'vendeur.galerne@demo.bons-locaux.fr';
    const ok = await postWith(c, '/connexion', { email, password: DEMO_PASSWORD }, page.html, { 'x-forwarded-for': '192.0.2.1' });
    expect(ok.res.status).toBe(303);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await postWith(c, '/connexion', { email, password: `wrong-password-${i}` }, page.html, { 'x-forwarded-for': `192.0.2.${10 + i}` })).res.status);
    const right = await postWith(c, '/connexion', { email, password: DEMO_PASSWORD }, page.html, { 'x-forwarded-for': '192.0.2.99' });
    expect([...statuses, right.res.status]).toEqual([401, 401, 401, 429]);
    expect(right.res.headers.get('retry-after')).toMatch(/^\d+$/);
    // An unknown account is limited the same way (the limit reveals nothing).
    const unknown = [];
    for (let i = 0; i < 4; i++) unknown.push((await postWith(c, '/connexion', { email: 'ghost@example.org', password: `wrong-password-${i}` }, page.html, { 'x-forwarded-for': `192.0.2.${50 + i}` })).res.status);
    expect(unknown).toEqual([401, 401, 401, 429]);
  });

  it('deletes ended windows', async () => {
    const rule = { name: 'test-expiry', limit: 1, windowMs: 60_000 };
    const t0 = Date.UTC(2026, 0, 1);
    // The rate-limit store of the app's backend (SQLite or PostgreSQL), in one unit each.
    const limits = storeUnits(app, sqliteRateLimitStore, pgRateLimitStore);
    await limits((s) => hitSteps(s, rule, 'k', t0));
    const rows = async () => (await rowOf<{ n: number }>(app, `SELECT COUNT(*) AS n FROM rate_limit_hits WHERE bucket = 'test-expiry:k'`))!.n;
    expect(await rows()).toBe(1);
    await limits((s) => s.deleteExpiredHits(t0 + 59_999));
    expect(await rows()).toBe(1);
    await limits((s) => s.deleteExpiredHits(t0 + 60_000));
    expect(await rows()).toBe(0);
  });
});

describe('two server processes on one database file', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reset-limits-'));
    const env = childEnv({ DATABASE_URL: `file:${join(dir, 'shared.db')}`, DATA_DIR: dir, SESSION_SECRET: 'reset-limits-session-secret-of-32-chars' });
    servers.push(await startServerProcess(env));
    servers.push(await startServerProcess(env));
  }, 90_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('share the per-address and per-account limits (default 10 requests per 15 min, 3 mails per hour)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await askReset(servers[i % 2]!, OWNER)).res.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429, 429, 429]);
    // Both workers run the queued tasks; together they send 3 mails, not 3 each.
    const db = new Database(join(dir, 'shared.db'), { readonly: true });
    try {
      const waiting = () => (db.prepare(`SELECT COUNT(*) AS n FROM outbox_messages WHERE kind = 'password_reset_request' AND status <> 'sent'`).get() as { n: number }).n;
      for (let i = 0; i < 150 && waiting() > 0; i++) await new Promise((r) => setTimeout(r, 200));
      expect(outboxCount(db, 'password_reset_request', OWNER)).toBe(10);
      expect(outboxCount(db, 'password_reset', OWNER)).toBe(3);
    } finally {
      db.close();
    }
  }, 90_000);

  it("share the holder pages' voucher-miss limit (default 30 per 10 min)", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await fetch(`${servers[i % 2]!.url}/v/2222-2222-2222-2222-${String(2000 + i).slice(-4).replace(/[01]/g, '3')}`)).status);
    expect(statuses.slice(0, 30).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
  }, 60_000);
});
