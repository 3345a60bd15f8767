import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { DEMO_OPERATOR_PASSWORD } from '../../server/domain/operators/demo-operators';
import { createOperatorUser } from '../../server/domain/operators/operator-users-service';
import { can, OPERATOR_ROLES } from '../../server/domain/operators/roles';
import { rowOf, rowsOf } from '../support/backend-query';
import { postOrder, TOWN_HALL_BUYER } from '../support/builders';
import { adminKeyOn, buyVouchersOn } from '../support/builders';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

/**
 * Every operator route × every kind of caller: only the allowed succeed. Anonymous
 * visitors and shop users (who hold no operator session) are sent to the operator
 * sign-in page; a viewer reads everything but any POST is 403; operator and admin act.
 */
type Actor = 'anonymous' | 'shop' | 'viewer' | 'operator' | 'admin';
const ACTORS: Actor[] = ['anonymous', 'shop', 'viewer', 'operator', 'admin'];

let app: TestApp;
const clients = {} as Record<Actor, FormClient>;
/** A page of each client carrying its CSRF token (so refusals are about roles, not CSRF). */
const pages = {} as Record<Actor, string>;

beforeAll(async () => {
  app = await startTestApp();
  await createOperatorUser(app, { email: 'agent@cci.example', password: 'agent-password-1', role: 'operator' });
  const signIn = async (actor: Actor, path: string, email: string, password: string) => {
    const c = new FormClient(app.url);
    const page = await c.get(path);
    expect((await c.post(path, { email, password }, page.html)).res.status).toBe(303);
    clients[actor] = c;
  };
  clients.anonymous = new FormClient(app.url);
  await signIn('shop', '/connexion', 'galerne@demo.bons-locaux.fr', DEMO_PASSWORD);
  await signIn('viewer', '/operateur/connexion', 'lecture@demo.bons-locaux.fr', DEMO_OPERATOR_PASSWORD);
  await signIn('operator', '/operateur/connexion', 'agent@cci.example', 'agent-password-1');
  await signIn('admin', '/operateur/connexion', 'operateur@demo.bons-locaux.fr', DEMO_OPERATOR_PASSWORD);
  const formPage: Record<Actor, string> = { anonymous: '/operateur/connexion', shop: '/commercant', viewer: '/operateur', operator: '/operateur', admin: '/operateur' };
  for (const a of ACTORS) {
    pages[a] = (await clients[a].get(formPage[a])).html;
    expect(pages[a]).toContain('name="_csrf"');
  }
});
afterAll(() => app.close());

async function newOrder(): Promise<string> {
  const res = await postOrder(app.url, { buyer: TOWN_HALL_BUYER, items: [{ amountCents: 5000, quantity: 2 }] });
  expect(res.status).toBe(201);
  return (await res.json()).order.id;
}
const state = async (id: string) => {
  const r = (await rowOf<{ status: string; paid_cents: number }>(app, 'SELECT status, paid_cents FROM orders WHERE id = @id', { id }))!;
  return { status: r.status, paidCents: r.paid_cents };
};
/** One value read on the app's backend (lower-case alias `v`). */
const valueOf = async (sql: string, params: Record<string, string> = {}) => (await rowOf<{ v: unknown }>(app, sql, params))?.v;

const readers: Actor[] = ['viewer', 'operator', 'admin'];
const actors: Actor[] = ['operator', 'admin'];
const toSignIn = (res: Response) => res.status === 303 && res.headers.get('location')!.startsWith('/operateur/connexion');

describe('role matrix', () => {
  it('the permission table: viewer reads only, operator runs the programme, admin everything', () => {
    expect(OPERATOR_ROLES.filter((r) => can(r, 'orders.read'))).toEqual(['admin', 'operator', 'viewer']);
    expect(OPERATOR_ROLES.filter((r) => can(r, 'orders.record_transfer'))).toEqual(['admin', 'operator']);
    expect(OPERATOR_ROLES.filter((r) => can(r, 'orders.cancel'))).toEqual(['admin', 'operator']);
    expect(OPERATOR_ROLES.filter((r) => can(r, 'staff.manage'))).toEqual(['admin']);
    expect(can('owner', 'orders.read')).toBe(false);
    expect(can(undefined, 'orders.read')).toBe(false);
    expect(can('admin', 'no.such.action' as never)).toBe(false);
  });

  it.each(ACTORS)('GET pages as %s', async (actor) => {
    const id = await newOrder();
    const paths = ['/operateur', '/operateur/commandes', '/operateur/commandes?q=mairie&status=pending_payment', `/operateur/commandes/${id}`, '/operateur/securite',
      '/operateur/reglements', '/operateur/rapports', '/operateur/rapports/fec.txt', '/operateur/rapports/journal.csv', '/operateur/rapports/encours.csv',
      '/operateur/bons', '/operateur/bons?q=x', '/operateur/journal-audit', '/operateur/journal-audit.csv', '/operateur/commerces', '/operateur/commerces/librairie-la-galerne',
      '/operateur/campagnes', '/operateur/campagnes/seine-estuaire', '/operateur/impact', '/operateur/impact/commerces.csv'];
    for (const path of paths) {
      const res = await clients[actor].request(path);
      if (readers.includes(actor)) expect(res.status, `${actor} ${path}`).toBe(200);
      else expect(toSignIn(res), `${actor} ${path}`).toBe(true);
    }
    const detail = await clients[actor].get(`/operateur/commandes/${id}`);
    if (readers.includes(actor)) {
      // Viewers see everything but get no forms.
      expect(detail.html.includes(`/operateur/commandes/${id}/virements`)).toBe(actor !== 'viewer');
      expect(detail.html.includes(`/operateur/commandes/${id}/annuler`)).toBe(actor !== 'viewer');
    }
  });

  it.each(ACTORS)('POST record a transfer as %s', async (actor) => {
    const id = await newOrder();
    const res = await clients[actor].post(`/operateur/commandes/${id}/virements`, { amount: '5,00', reference: `ROLE-${actor}` }, pages[actor]);
    if (actors.includes(actor)) {
      expect(res.res.status).toBe(303);
      expect(await state(id)).toMatchObject({ paidCents: 500 });
    } else {
      if (actor === 'viewer') expect(res.res.status).toBe(403);
      else expect(toSignIn(res.res)).toBe(true);
      expect(await state(id)).toMatchObject({ status: 'pending_payment', paidCents: 0 });
    }
  });

  it.each(ACTORS)('POST cancel as %s', async (actor) => {
    const id = await newOrder();
    const res = await clients[actor].post(`/operateur/commandes/${id}/annuler`, { reason: 'Essai de rôle' }, pages[actor]);
    if (actors.includes(actor)) {
      expect(res.res.status).toBe(303);
      expect(await state(id)).toMatchObject({ status: 'cancelled' });
    } else {
      if (actor === 'viewer') expect(res.res.status).toBe(403);
      else expect(toSignIn(res.res)).toBe(true);
      expect(await state(id)).toMatchObject({ status: 'pending_payment' });
    }
  });

  it.each(ACTORS)('POST run a settlement as %s', async (actor) => {
    const before = await valueOf('SELECT COUNT(*) AS v FROM settlement_batches');
    const res = await clients[actor].post('/operateur/reglements', { until: '2026-01-01' }, pages[actor]);
    // Nothing to settle on that date: allowed roles get the page back (200), nothing created either way.
    if (actors.includes(actor)) expect(res.res.status).toBe(200);
    else if (actor === 'viewer') expect(res.res.status).toBe(403);
    else expect(toSignIn(res.res)).toBe(true);
    expect(await valueOf('SELECT COUNT(*) AS v FROM settlement_batches')).toBe(before);
  });

  it.each(ACTORS)('POST block a voucher as %s', async (actor) => {
    const [v] = await buyVouchersOn(app, { amountCents: 2000, quantity: 1 });
    const res = await clients[actor].post(`/operateur/bons/${v!.code}/bloquer`, { reason: 'lost' }, pages[actor]);
    const status = () => valueOf('SELECT status AS v FROM vouchers WHERE id = @id', { id: v!.id });
    if (actors.includes(actor)) expect(await status()).toBe('blocked');
    else {
      if (actor === 'viewer') expect(res.res.status).toBe(403);
      else expect(toSignIn(res.res)).toBe(true);
      expect(await status()).toBe('active');
    }
  });

  it.each(ACTORS)('POST suspend a shop as %s', async (actor) => {
    const slug = 'cinema-lillebonne';
    const status = () => valueOf('SELECT status AS v FROM merchants WHERE slug = @slug', { slug });
    const res = await clients[actor].post(`/operateur/commerces/${slug}/suspendre`, { reason: 'Contrôle des rôles' }, pages[actor]);
    if (actors.includes(actor)) {
      expect(await status()).toBe('suspended');
      await rowsOf(app, `UPDATE merchants SET status = 'approved' WHERE slug = @slug`, { slug });
    } else {
      if (actor === 'viewer') expect(res.res.status).toBe(403);
      else expect(toSignIn(res.res)).toBe(true);
      expect(await status()).toBe('approved');
    }
  });

  it.each(ACTORS)('POST close a campaign as %s', async (actor) => {
    const status = () => valueOf(`SELECT status AS v FROM campaigns WHERE slug = 'noel-fecamp'`);
    const res = await clients[actor].post('/operateur/campagnes/noel-fecamp/cloturer', {}, pages[actor]);
    if (actors.includes(actor)) {
      expect(await status()).toBe('closed');
      await rowsOf(app, `UPDATE campaigns SET status = 'active' WHERE slug = 'noel-fecamp'`);
    } else {
      if (actor === 'viewer') expect(res.res.status).toBe(403);
      else expect(toSignIn(res.res)).toBe(true);
      expect(await status()).toBe('active');
    }
  });

  it.each(ACTORS)('POST own second factor as %s (every signed-in role protects its own account)', async (actor) => {
    const res = await clients[actor].post('/operateur/securite/totp', { secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', code: 'abcdef' }, pages[actor]);
    if (readers.includes(actor)) expect(res.res.status).toBe(422);
    else expect(toSignIn(res.res)).toBe(true);
  });

  it.each(ACTORS)('GET the order documents as %s (session only, no token or key)', async (actor) => {
    const id = await newOrder();
    const res = await clients[actor].request(`/api/v1/orders/${id}/proforma.pdf`);
    expect(res.status).toBe(readers.includes(actor) ? 200 : 404);
    await res.arrayBuffer();
  });

  it('leaves token and admin-key access to the documents as they were', async () => {
    const res = await postOrder(app.url, { buyer: TOWN_HALL_BUYER, items: [{ amountCents: 5000, quantity: 2 }] });
    const { order, accessToken } = await res.json();
    const url = `/api/v1/orders/${order.id}/proforma.pdf`;
    expect((await fetch(`${app.url}${url}?token=${accessToken}`)).status).toBe(200);
    expect((await fetch(`${app.url}${url}`, { headers: (await adminKeyOn(app)).headers })).status).toBe(200);
    // A token given is checked as a token, even with an operator session alongside.
    expect((await clients.admin.request(`${url}?token=wrong`)).status).toBe(404);
    // The session only opens reading: the admin-key API to record a payment still needs the key.
    const post = await clients.admin.request(`/api/v1/orders/${order.id}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amountCents: 100, reference: 'API-NOKEY' }) });
    expect(post.status).toBe(401);
  });

  it('sign-out works for every signed-in operator role, and sign-in page answers everyone', async () => {
    for (const actor of ACTORS) expect((await clients[actor].request('/operateur/connexion')).status).toBe(readers.includes(actor) ? 303 : 200);
    for (const actor of readers) {
      const c = clients[actor];
      expect((await c.post('/operateur/deconnexion', {}, pages[actor])).res.status).toBe(303);
      expect(toSignIn(await c.request('/operateur'))).toBe(true);
    }
  });
});
