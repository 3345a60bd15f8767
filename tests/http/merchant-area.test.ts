import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL as FULL_LEDGER } from '../../server/domain/ledger/ledger-scope';
import { readOn } from '../../server/web/backend-units';
import { rowOf } from '../support/backend-query';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const OWNER = 'galerne@demo.bons-locaux.fr';
const STAFF = 'vendeur.galerne@demo.bons-locaux.fr';
const OTHER_OWNER = 'fromagerie@demo.bons-locaux.fr';
// Portable SQL on the test app's backend (SQLite or PostgreSQL).
const count = async (sql: string, params: Record<string, string> = {}) => (await rowOf<{ n: number }>(app, sql, params))!.n;
const idOf = async (sql: string, params: Record<string, string> = {}) => (await rowOf<{ id: string }>(app, sql, params))!.id;

async function signedIn(email: string, password = DEMO_PASSWORD) {
  const client = new FormClient(app.url);
  const page = await client.get('/connexion');
  const res = await client.post('/connexion', { email, password, next: '/commercant' }, page.html);
  expect(res.res.status).toBe(303);
  expect(res.res.headers.get('location')).toBe('/commercant');
  return client;
}

/** Mail written by the file transport, newest last. */
async function mailsTo(email: string): Promise<string[]> {
  await app.drainOutbox();
  const dir = join(app.dataDir, 'outbox');
  return readdirSync(dir)
    .filter((f) => f.endsWith(`${email}.eml`))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}
const linkIn = (mail: string) => /\/mot-de-passe\/([A-Za-z0-9_-]{43})/.exec(mail.replace(/=\r?\n/g, ''))![1]!;

async function aVoucherCode(): Promise<string> {
  return (await rowOf<{ code: string }>(app, `SELECT code FROM vouchers v JOIN campaigns c ON c.id = v.campaign_id WHERE c.slug = 'seine-estuaire' AND v.balance_cents >= 1000 ORDER BY v.issued_at DESC, v.id DESC LIMIT 1`))!.code;
}

describe('signing in', () => {
  it('sends anonymous visitors of shop pages to the sign-in page and back', async () => {
    const c = new FormClient(app.url);
    for (const path of ['/caisse', '/commercant', '/commercant/cles', '/commercant/equipe']) {
      const res = await c.request(path);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`/connexion?next=${encodeURIComponent(path)}`);
    }
  });

  it('refuses a wrong password and an unknown email with the same message', async () => {
    const c = new FormClient(app.url);
    const page = await c.get('/connexion');
    const wrong = await c.post('/connexion', { email: OWNER, password: 'not-the-password' }, page.html);
    const unknown = await c.post('/connexion', { email: 'nobody@example.org', password: 'whatever-123' }, page.html);
    expect(wrong.res.status).toBe(401);
    expect(unknown.res.status).toBe(401);
    expect(wrong.html).toContain('E-mail ou mot de passe incorrect.');
    expect(unknown.html).toContain('E-mail ou mot de passe incorrect.');
    expect(wrong.res.headers.getSetCookie().some((s) => s.startsWith('sid='))).toBe(false);
  });

  it('opens a session in an HttpOnly cookie and closes it on sign-out', async () => {
    const c = await signedIn(OWNER);
    const dash = await c.get('/commercant');
    expect(dash.res.status).toBe(200);
    expect(dash.html).toContain('Opérations — Librairie La Galerne');
    const till = await c.get('/caisse');
    expect(till.res.status).toBe(200);
    const out = await c.post('/deconnexion', {}, dash.html);
    expect(out.res.status).toBe(303);
    expect((await c.request('/commercant')).status).toBe(303);
  });

  it('rate-limits failed sign-ins per IP', async () => {
    const limited = await startTestApp({ rateLimits: { signInsPer15Min: 3 } });
    try {
      const c = new FormClient(limited.url);
      const page = await c.get('/connexion');
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await c.post('/connexion', { email: OWNER, password: `wrong-${i}-xxxxxx` }, page.html)).res.status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('roles', () => {
  it('lets staff use the till and dashboard but not keys or team', async () => {
    const c = await signedIn(STAFF);
    expect((await c.get('/caisse')).res.status).toBe(200);
    expect((await c.get('/commercant')).res.status).toBe(200);
    expect((await c.get('/commercant/cles')).res.status).toBe(403);
    expect((await c.get('/commercant/equipe')).res.status).toBe(403);
    const dash = await c.get('/commercant');
    expect((await c.post('/commercant/cles', { label: 'x' }, dash.html)).res.status).toBe(403);
    expect(await count(`SELECT COUNT(*) AS n FROM api_keys WHERE label = 'x'`)).toBe(0);
  });
});

describe('password reset', () => {
  it('emails a one-hour, single-use link and changes the password', async () => {
    const c = new FormClient(app.url);
    const page = await c.get('/mot-de-passe/oublie');
    const sent = await c.post('/mot-de-passe/oublie', { email: OTHER_OWNER }, page.html);
    expect(sent.html).toContain('Si un compte existe');
    const unknown = await c.post('/mot-de-passe/oublie', { email: 'nobody@example.org' }, page.html);
    expect(unknown.html).toContain('Si un compte existe');
    expect(await mailsTo('nobody@example.org')).toEqual([]);
    const mails = await mailsTo(OTHER_OWNER);
    expect(mails).toHaveLength(1);
    const token = linkIn(mails[0]!);

    const form = await c.get(`/mot-de-passe/${token}`);
    expect(form.res.status).toBe(200);
    expect((await c.post(`/mot-de-passe/${token}`, { password: 'short', confirm: 'short' }, form.html)).res.status).toBe(422);
    expect((await c.post(`/mot-de-passe/${token}`, { password: 'a-long-new-password', confirm: 'another-long-one' }, form.html)).res.status).toBe(422);
    const done = await c.post(`/mot-de-passe/${token}`, { password: 'a-long-new-password', confirm: 'a-long-new-password' }, form.html);
    expect(done.res.status).toBe(303);
    expect((await c.get(`/mot-de-passe/${token}`)).res.status).toBe(410);
    await signedIn(OTHER_OWNER, 'a-long-new-password');
  });
});

describe('team', () => {
  it('lets the owner invite staff, who set a password and sign in, and remove them', async () => {
    const owner = await signedIn(OWNER);
    const team = await owner.get('/commercant/equipe');
    const bad = await owner.post('/commercant/equipe', { name: '', email: 'not-an-email' }, team.html);
    expect(bad.res.status).toBe(422);
    expect(bad.html).toContain('id="email-error"');
    const taken = await owner.post('/commercant/equipe', { name: 'X', email: STAFF }, team.html);
    expect(taken.res.status).toBe(409);
    const invited = await owner.post('/commercant/equipe', { name: 'Nina', email: 'nina@example.org' }, team.html);
    expect(invited.html).toContain('Invitation envoyée à nina@example.org.');
    const mails = await mailsTo('nina@example.org');
    expect(mails[0]).toContain('Librairie La Galerne');
    const token = linkIn(mails[0]!);
    const nina = new FormClient(app.url);
    const form = await nina.get(`/mot-de-passe/${token}`);
    expect(form.html).toContain('Bienvenue');
    await nina.post(`/mot-de-passe/${token}`, { password: 'nina-password-2026', confirm: 'nina-password-2026' }, form.html);
    const ninaIn = await signedIn('nina@example.org', 'nina-password-2026');
    expect((await ninaIn.get('/caisse')).res.status).toBe(200);

    const id = await idOf(`SELECT id FROM merchant_users WHERE email = 'nina@example.org'`);
    const list = await owner.get('/commercant/equipe');
    expect((await owner.post(`/commercant/equipe/${id}/retirer`, {}, list.html)).res.status).toBe(303);
    expect((await ninaIn.request('/caisse')).status).toBe(303);

    // Another shop's owner cannot remove this shop's staff.
    const other = await signedIn('bijouterie@demo.bons-locaux.fr');
    const staffId = await idOf(`SELECT id FROM merchant_users WHERE email = @email`, { email: STAFF });
    const otherTeam = await other.get('/commercant/equipe');
    expect((await other.post(`/commercant/equipe/${staffId}/retirer`, {}, otherTeam.html)).res.status).toBe(404);
    expect(await count(`SELECT COUNT(*) AS n FROM merchant_users WHERE email = @email AND removed_at IS NULL`, { email: STAFF })).toBe(1);
  });
});

describe('API keys page', () => {
  it('shows a new key once, and the key works until it is revoked', async () => {
    const owner = await signedIn(OWNER);
    const page = await owner.get('/commercant/cles');
    const created = await owner.post('/commercant/cles', { label: 'Comptoir' }, page.html);
    const key = /<code class="secret"[^>]*>(bk_shop_[\w-]+)<\/code>/.exec(created.html)![1]!;
    expect((await owner.get('/commercant/cles')).html).not.toContain(key);
    expect(await count(`SELECT COUNT(*) AS n FROM api_keys WHERE key_hash = @key`, { key })).toBe(0);
    const code = await aVoucherCode();
    expect((await fetch(`${app.url}/api/v1/vouchers/${code}`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    const id = await idOf(`SELECT id FROM api_keys WHERE label = 'Comptoir'`);
    const list = await owner.get('/commercant/cles');
    await owner.post(`/commercant/cles/${id}/revoquer`, {}, list.html);
    expect((await fetch(`${app.url}/api/v1/vouchers/${code}`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });
});

describe('the till’s own API calls and the dashboard', () => {
  it('redeems with the session and CSRF header, lists, exports and undoes', async () => {
    const staff = await signedIn(STAFF);
    const till = await staff.get('/caisse');
    const csrf = /data-csrf="([^"]+)"/.exec(till.html)![1]!;
    const code = await aVoucherCode();
    const body = JSON.stringify({ code, amountCents: 700, idempotencyKey: 'till-session-0001' });
    const noHeader = await staff.request('/api/v1/redemptions', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(noHeader.status).toBe(403);
    const ok = await staff.request('/api/v1/redemptions', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body });
    expect(ok.status).toBe(201);
    const { redemption } = await ok.json();
    expect(redemption.number).toBeGreaterThan(0);

    const dash = await staff.get('/commercant');
    expect(dash.html).toMatch(/7,00\s€/);
    expect(dash.html).toContain(`/commercant/operations/${redemption.id}/annuler`);
    expect(dash.html).not.toContain(code.slice(0, 8));

    const csv = await staff.request('/commercant/operations.csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const text = await csv.text();
    expect(text).toContain('"amount_cents"');
    expect(text).toContain('"700"');
    expect(text).toContain('"7,00"');

    // Another shop cannot undo it.
    const other = await signedIn(OTHER_OWNER, 'a-long-new-password');
    const otherDash = await other.get('/commercant');
    expect((await other.post(`/commercant/operations/${redemption.id}/annuler`, {}, otherDash.html)).res.status).toBe(404);
    expect(await count(`SELECT COUNT(*) AS n FROM redemptions WHERE id = @id AND status = 'completed'`, { id: redemption.id })).toBe(1);

    const undone = await staff.post(`/commercant/operations/${redemption.id}/annuler`, {}, dash.html);
    expect(undone.res.status).toBe(303);
    expect(await count(`SELECT COUNT(*) AS n FROM redemptions WHERE id = @id AND status = 'voided'`, { id: redemption.id })).toBe(1);

    // The holder sees the history of use on the voucher page.
    const page = await new FormClient(app.url).get(`/v/${code}`);
    expect(page.html).toContain('Librairie La Galerne');
    expect(page.html).toContain('annulée');
    expect(await readOn(app, (dialect) => ledgerChecks(FULL_LEDGER, dialect))).toEqual([]);
  });
});
