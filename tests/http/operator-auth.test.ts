import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { DEMO_OPERATOR_PASSWORD } from '../../server/domain/operators/demo-operators';
import { createOperatorUser, disableOperatorUser } from '../../server/domain/operators/operator-users-service';
import type { OperatorUser } from '../../server/domain/operators/operator-users-repository';
import { rowOf, rowsOf } from '../support/backend-query';
import { sha256 } from '../../server/lib/ids';
import { DEMO_ADMIN_EMAIL as ADMIN, DEMO_VIEWER_EMAIL as VIEWER, operatorClient } from '../support/operator';
import { FormClient, fixedClock, startTestApp, type TestApp } from '../support/test-app';

const SHOP_OWNER = 'galerne@demo.bons-locaux.fr';
const HOUR = 3600_000;

let app: TestApp;
const clock = fixedClock('2026-11-23T09:00:00Z');
beforeAll(async () => {
  app = await startTestApp({ clock });
});
afterAll(() => app.close());

/** Signs in through the form with a `next`, which the shared helper checks the redirect goes to. */
const signIn = (email: string, password?: string) => operatorClient(app.url, email, password, { next: '/operateur/commandes' });

async function shopClient(email = SHOP_OWNER) {
  const c = new FormClient(app.url);
  const page = await c.get('/connexion');
  expect((await c.post('/connexion', { email, password: DEMO_PASSWORD, next: '/commercant' }, page.html)).res.status).toBe(303);
  return c;
}

/** What disabling a user needs of the actor and the user: their id and role, on either backend. */
const operatorByEmail = async (email: string) => (await rowOf<Pick<OperatorUser, 'id' | 'role'>>(app, 'SELECT id, role FROM operator_users WHERE email = @email', { email }))! as OperatorUser;

/** The value of a cookie the client received (FormClient keeps them privately). */
const cookieOf = (c: FormClient, name: string) => (c as unknown as { cookies: Map<string, string> }).cookies.get(name);

describe('operator sign-in', () => {
  it('sends anonymous visitors to the operator sign-in page and back after', async () => {
    const c = new FormClient(app.url);
    const res = await c.request('/operateur/commandes?status=paid');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/operateur/connexion?next=${encodeURIComponent('/operateur/commandes?status=paid')}`);
    const page = await c.get(res.headers.get('location')!);
    expect(page.res.status).toBe(200);
    const signed = await c.post('/operateur/connexion', { email: ADMIN, password: DEMO_OPERATOR_PASSWORD, next: '/operateur/commandes?status=paid' }, page.html);
    expect(signed.res.headers.get('location')).toBe('/operateur/commandes?status=paid');
  });

  it('opens a session in its own HttpOnly, SameSite=Strict cookie, and closes it on sign-out', async () => {
    const c = new FormClient(app.url);
    const page = await c.get('/operateur/connexion');
    const res = await c.post('/operateur/connexion', { email: ADMIN.toUpperCase(), password: DEMO_OPERATOR_PASSWORD }, page.html);
    expect(res.res.status).toBe(303);
    expect(res.res.headers.get('location')).toBe('/operateur');
    const cookie = res.res.headers.getSetCookie().find((s) => s.startsWith('osid='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(res.res.headers.getSetCookie().some((s) => s.startsWith('sid='))).toBe(false);
    const home = await c.get('/operateur');
    expect(home.res.status).toBe(200);
    expect(home.html).toContain('Espace opérateur');
    expect(home.html).toContain('Administrateur');
    expect(home.res.headers.get('cache-control')).toBe('no-store');
    const out = await c.post('/operateur/deconnexion', {}, home.html);
    expect(out.res.status).toBe(303);
    expect((await c.request('/operateur')).status).toBe(303);
  });

  it('refuses a wrong password, an unknown email and a disabled user with the same message', async () => {
    const admin = await operatorByEmail(ADMIN);
    const leaver = await createOperatorUser(app, { email: 'depart@cci.example', password: 'a-long-password-1', role: 'operator' });
    await disableOperatorUser(app, admin, leaver.id);
    const c = new FormClient(app.url);
    const page = await c.get('/operateur/connexion');
    for (const [email, password] of [[ADMIN, 'not-the-password'], ['nobody@example.org', 'whatever-12345'], ['depart@cci.example', 'a-long-password-1']] as const) {
      const res = await c.post('/operateur/connexion', { email, password }, page.html);
      expect(res.res.status).toBe(401);
      expect(res.html).toContain('E-mail ou mot de passe incorrect.');
      expect(res.res.headers.getSetCookie().some((s) => s.startsWith('osid='))).toBe(false);
    }
  });

  it('does not let shop users in with their own password', async () => {
    const c = new FormClient(app.url);
    const page = await c.get('/operateur/connexion');
    expect((await c.post('/operateur/connexion', { email: SHOP_OWNER, password: DEMO_PASSWORD }, page.html)).res.status).toBe(401);
  });

  it('refuses a form without its CSRF token', async () => {
    const c = new FormClient(app.url);
    await c.get('/operateur/connexion');
    const res = await c.request('/operateur/connexion', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email: ADMIN, password: DEMO_OPERATOR_PASSWORD }).toString() });
    expect(res.status).toBe(403);
  });

  it('rate-limits failed sign-ins per IP', async () => {
    const limited = await startTestApp({ rateLimits: { signInsPer15Min: 3 } });
    try {
      const c = new FormClient(limited.url);
      const page = await c.get('/operateur/connexion');
      for (let i = 0; i < 3; i++) expect((await c.post('/operateur/connexion', { email: ADMIN, password: 'wrong-password-x' }, page.html)).res.status).toBe(401);
      const blocked = await c.post('/operateur/connexion', { email: ADMIN, password: DEMO_OPERATOR_PASSWORD }, page.html);
      expect(blocked.res.status).toBe(429);
      expect(blocked.res.headers.getSetCookie().some((s) => s.startsWith('osid='))).toBe(false);
    } finally {
      await limited.close();
    }
  });
});

describe('operator sessions', () => {
  it('end after 8 hours without activity', async () => {
    clock.set('2026-11-23T09:00:00Z');
    const c = await signIn(VIEWER);
    clock.advance(8 * HOUR - 60_000);
    expect((await c.request('/operateur')).status).toBe(200);
    clock.advance(8 * HOUR + 1000);
    const res = await c.request('/operateur');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('/operateur/connexion');
  });

  it('end 12 hours after sign-in however active', async () => {
    clock.set('2026-11-23T09:00:00Z');
    const c = await signIn(VIEWER);
    for (let h = 1; h < 12; h++) {
      clock.set(new Date(Date.parse('2026-11-23T09:00:00Z') + h * HOUR));
      expect((await c.request('/operateur')).status).toBe(200);
    }
    clock.set(new Date(Date.parse('2026-11-23T09:00:00Z') + 12 * HOUR + 1000));
    expect((await c.request('/operateur')).status).toBe(303);
  });

  it('end at once when the user is disabled', async () => {
    clock.set('2026-11-23T09:00:00Z');
    await createOperatorUser(app, { email: 'temp@cci.example', password: 'a-long-password-2', role: 'viewer' });
    const c = await signIn('temp@cci.example', 'a-long-password-2');
    expect((await c.request('/operateur')).status).toBe(200);
    await disableOperatorUser(app, await operatorByEmail(ADMIN), (await operatorByEmail('temp@cci.example')).id);
    expect((await c.request('/operateur')).status).toBe(303);
  });

  it('never cross realms: a shop cookie is no operator session and an operator cookie no shop session', async () => {
    clock.set('2026-11-23T09:00:00Z');
    const shop = await shopClient();
    const operator = await signIn(ADMIN);
    const shopToken = cookieOf(shop, 'sid')!;
    const operatorToken = cookieOf(operator, 'osid')!;
    expect(shopToken && operatorToken).toBeTruthy();

    // The shop's token presented as an operator session: sign-in page.
    const asOperator = await fetch(`${app.url}/operateur`, { headers: { cookie: `osid=${shopToken}` }, redirect: 'manual' });
    expect(asOperator.status).toBe(303);
    expect(asOperator.headers.get('location')).toContain('/operateur/connexion');
    // The operator's token presented as a shop session: the shop's sign-in page.
    const asShop = await fetch(`${app.url}/commercant`, { headers: { cookie: `sid=${operatorToken}` }, redirect: 'manual' });
    expect(asShop.status).toBe(303);
    expect(asShop.headers.get('location')).toContain('/connexion?next=');
    // Nor as the till's API session.
    const api = await fetch(`${app.url}/api/v1/redemptions`, { headers: { cookie: `sid=${operatorToken}` } });
    expect(api.status).toBe(401);
    // Even a row that names a user of the other realm is refused: the lookup filters on the realm.
    const shopUserId = (await rowOf<{ id: string }>(app, 'SELECT id FROM merchant_users WHERE email = @email', { email: SHOP_OWNER }))!.id;
    const adminId = (await operatorByEmail(ADMIN)).id;
    const insert = (hash: string, userId: string, realm: string, createdAt: string, expiresAt: string) =>
      rowsOf(app, `INSERT INTO sessions (token_hash, user_id, realm, created_at, expires_at) VALUES (@hash, @userId, @realm, @createdAt, @expiresAt)`, { hash, userId, realm, createdAt, expiresAt });
    const now = clock.now();
    await insert(sha256('forged-operator-row'), shopUserId, 'operator', now.toISOString(), new Date(now.getTime() + HOUR).toISOString());
    await insert(sha256('forged-shop-row'), adminId, 'shop', now.toISOString(), new Date(now.getTime() + HOUR).toISOString());
    expect((await fetch(`${app.url}/commercant`, { headers: { cookie: 'sid=forged-operator-row' }, redirect: 'manual' })).status).toBe(303);
    expect((await fetch(`${app.url}/operateur`, { headers: { cookie: 'osid=forged-shop-row' }, redirect: 'manual' })).status).toBe(303);
    // And each still works in its own realm.
    expect((await shop.request('/commercant')).status).toBe(200);
    expect((await operator.request('/operateur')).status).toBe(200);
  });
});
