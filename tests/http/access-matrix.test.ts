import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { createMerchantUser } from '../../server/domain/merchants/merchant-users-service';
import { DEMO_OPERATOR_PASSWORD } from '../../server/domain/operators/demo-operators';
import { createOperatorUser } from '../../server/domain/operators/operator-users-service';
import { parisDate } from '../../server/lib/paris-time';
import { rowOf } from '../support/backend-query';
import { adminKeyOn, buyVouchersOn, organisationLinkOn, postOrder, shopKeyOn, TOWN_HALL_BUYER } from '../support/builders';
import { listRoutes, type AppRoute } from '../support/routes';
import { merchantIdOn, settle, take } from '../support/settlement';
import { FormClient, fixedClock, startTestApp, type TestApp } from '../support/test-app';
import { dbFingerprintOn } from '../support/db-fingerprint-on';
import { pool } from '../support/pool';

/**
 * Issue 13: the review's access matrix, re-run on every test run. The routes come from the
 * app's router, not from a list: a route that no rule below classifies fails the first
 * test, so whoever adds a route states who may call it. Then every route × every kind of
 * caller: allowed callers are never turned away (401/403, a sign-in redirect, or a 404 for
 * the real ids filled in), refused callers get 401/403/404 or the right sign-in page, nobody
 * gets a 5xx, and what refused callers send changes nothing in the database.
 */
const CALLERS = ['anonymous', 'staff', 'owner', 'otherOwner', 'shopKey', 'otherShopKey', 'adminKey', 'viewer', 'operator', 'admin', 'orderToken', 'orgLink'] as const;
type Caller = (typeof CALLERS)[number];

const SHOP: Caller[] = ['staff', 'owner', 'otherOwner'];
const OPERATOR_READ: Caller[] = ['viewer', 'operator', 'admin'];
const OPERATOR_RUN: Caller[] = ['operator', 'admin'];

interface Rule {
  area: string;
  method?: 'GET' | 'POST';
  path: RegExp;
  /** Who may call it; 'everyone' for public routes. */
  allow: Caller[] | 'everyone';
  /**
   * The route's ids are the first shop's (Librairie La Galerne): another shop's owner or
   * key may call the route but not on these resources.
   */
  scoped?: boolean;
  /** Where refused browsers are sent. */
  signIn?: string;
  /** Refusals other than 401/403/404 (a webhook without a valid signature is a 400). */
  refusals?: number[];
  /**
   * Signing in and out: open to everyone, but their answer is about the credentials sent
   * (a wrong password is a 401, signing out or an open session redirects to a sign-in page).
   */
  session?: boolean;
}

/** First match wins. Keep rules by area; one line per route only where no rule fits. */
const RULES: Rule[] = [
  // Outside production only (issue 13 restricts /dev/* to loopback addresses; the tests run on 127.0.0.1).
  { area: 'dev', path: /^\/dev\//, allow: 'everyone' },
  { area: 'webhook signature', method: 'POST', path: /^\/webhooks\//, allow: [], refusals: [400] },
  { area: 'admin key', method: 'POST', path: /^\/api\/v1\/orders\/:id\/payments$/, allow: ['adminKey'] },
  // Issue 15: sending a voucher of the order to a recipient — its buyer (token) or the operator's admin key.
  { area: 'order access token', method: 'POST', path: /^\/api\/v1\/orders\/:id\/gifts$/, allow: ['orderToken', 'adminKey'] },
  // The buyer's access token, the operator's admin key, or operator staff reading (GET).
  { area: 'order access token', method: 'GET', path: /^\/api\/v1\/orders\/:id(\/|$)/, allow: ['orderToken', 'adminKey', ...OPERATOR_READ] },
  // Anyone may order without a key; a key, when sent, must be the operator's (it lifts the
  // anonymous cap, issue 13 finding 5): a shop's key is refused rather than ignored.
  { area: 'public API', method: 'POST', path: /^\/api\/v1\/orders$/, allow: CALLERS.filter((c) => c !== 'shopKey' && c !== 'otherShopKey') },
  { area: 'public API', path: /^\/api\/v1\/(campaigns(\/|$)|orders$)/, allow: 'everyone' },
  { area: 'shop API (key or session)', path: /^\/api\/v1\/redemptions\/:id\//, allow: ['shopKey', 'otherShopKey', ...SHOP], scoped: true },
  { area: 'shop API (key or session)', path: /^\/api\/v1\/(vouchers|redemptions)(\/|$)/, allow: ['shopKey', 'otherShopKey', ...SHOP] },
  { area: 'order access token', method: 'GET', path: /^\/(commandes|commande-organisation)\/:id$/, allow: ['orderToken'] },
  // Issue 15: the buyer sends one of the order's vouchers to a recipient (token in the query, as the page has it).
  { area: 'order access token', method: 'POST', path: /^\/commandes\/:id\/cadeaux$/, allow: ['orderToken'] },
  { area: 'public', path: /^\/organisation\/lien$/, allow: 'everyone' },
  // The secret mailed to the organisation's contact for one order (issue 13 finding 1): none of
  // these callers holds it, the page link included; its holder is tested in organisation-takeover.test.ts.
  { area: 'order confirmation secret', path: /^\/organisation\/:id\/confirmer\/:orderId$/, allow: [] },
  { area: 'organisation link', method: 'GET', path: /^\/organisation\/:id(\/|$)/, allow: ['orgLink'] },
  { area: 'sign-in', path: /^\/(operateur\/)?(connexion|deconnexion)$/, allow: 'everyone', session: true },
  { area: 'operator own account', path: /^\/operateur\/securite(\/|$)/, allow: OPERATOR_READ, signIn: '/operateur/connexion' },
  // The operator's settings (legal pages): admins only, reading the editor included.
  { area: 'operator (settings)', path: /^\/operateur\/pages-legales(\/|$)/, allow: ['admin'], signIn: '/operateur/connexion' },
  // The operator's brand (issue 15): admins only, the form is multipart.
  { area: 'operator (settings)', path: /^\/operateur\/identite-visuelle(\/|$)/, allow: ['admin'], signIn: '/operateur/connexion' },
  // Data subjects' requests and retention (issue 15): admins only, every form a POST.
  { area: 'operator personal data', path: /^\/operateur\/donnees-personnelles(\/|$)/, allow: ['admin'], signIn: '/operateur/connexion' },
  { area: 'operator (manage)', method: 'GET', path: /^\/operateur\/campagnes\/nouvelle$/, allow: OPERATOR_RUN, signIn: '/operateur/connexion' },
  { area: 'operator (manage)', method: 'POST', path: /^\/operateur\//, allow: OPERATOR_RUN, signIn: '/operateur/connexion' },
  { area: 'operator (read)', method: 'GET', path: /^\/operateur(\/|$)/, allow: OPERATOR_READ, signIn: '/operateur/connexion' },
  { area: 'shop owner', path: /^\/commercant\/(cles|equipe)\/:id\//, allow: ['owner'], scoped: true, signIn: '/connexion' },
  // Issue 15: the shop's weekly opening hours (owner only; each owner edits their own shop).
  { area: 'shop owner', path: /^\/commercant\/(cles|equipe|horaires)$/, allow: ['owner', 'otherOwner'], signIn: '/connexion' },
  { area: 'shop session', path: /^\/commercant\/(operations|releves)\/:id/, allow: SHOP, scoped: true, signIn: '/connexion' },
  { area: 'shop session', path: /^\/(caisse|commercant)(\/|$|\.)/, allow: SHOP, signIn: '/connexion' },
  // Public pages; a voucher's code, a demo payment's reference and a reset link are their own credentials.
  {
    area: 'public',
    path: /^\/($|healthz$|brand\.css$|marque\/(logo|image)$|campagnes\/:slug|commercants\/candidature$|mentions-legales$|conditions-de-vente$|conditions-commercants$|confidentialite$|accessibilite$|langue\/|v\/:code|mot-de-passe\/|embed\/|media\/|vendor\/|demo\/checkout\/)/,
    allow: 'everyone',
  },
];

const ruleFor = (r: AppRoute) => RULES.find((rule) => (!rule.method || rule.method === r.method) && rule.path.test(r.path));
const allowed = (rule: Rule, c: Caller) => (rule.allow === 'everyone' || rule.allow.includes(c)) && !(rule.scoped && (c === 'otherOwner' || c === 'otherShopKey'));

/** Forms read with multipart parsers (they check their CSRF field themselves). */
const MULTIPART = new Set(['POST /campagnes/:slug/commande-organisation', 'POST /operateur/campagnes/nouvelle', 'POST /operateur/campagnes/:slug', 'POST /operateur/identite-visuelle']);
/** Signing in or out changes the caller's own session: played last. */
const SESSION_ROUTES = /^\/(operateur\/)?(connexion|deconnexion)$/;

const T0 = new Date('2026-11-16T09:00:00Z');
const clock = fixedClock(T0);
let app: TestApp;
let routes: AppRoute[];
const callers = {} as Record<Caller, { client: FormClient; csrf: string; headers: Record<string, string>; token?: string }>;
let ids: Record<string, string>;

beforeAll(async () => {
  app = await startTestApp({ clock });
  routes = listRoutes(app.app);
  await createOperatorUser(app, { email: 'agent@cci.example', password: 'agent-password-1', role: 'operator' });
  const spareStaff = await createMerchantUser(app, { merchantSlug: 'librairie-la-galerne', email: 'spare@galerne.example', password: 'spare-password-1', role: 'staff' });
  const key = await shopKeyOn(app, 'librairie-la-galerne');
  const otherKey = await shopKeyOn(app, 'fromagerie-du-marche');
  const spareKey = await shopKeyOn(app, 'librairie-la-galerne', 'spare till');
  const admin = await adminKeyOn(app);

  // A paid organisation order (bank transfer), a card order waiting at the demo checkout.
  const orderRes = await postOrder(app.url, { buyer: TOWN_HALL_BUYER, items: [{ amountCents: 5000, quantity: 2 }] });
  const order = (await orderRes.json()) as { order: { id: string; totalCents: number }; accessToken: string };
  const paid = await fetch(`${app.url}/api/v1/orders/${order.order.id}/payments`, {
    method: 'POST',
    headers: { ...admin.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ amountCents: order.order.totalCents, reference: 'VIR-MATRIX-1' }),
  });
  expect(paid.status).toBe(201);
  const card = await postOrder(app.url, { paymentMethod: 'card', buyer: { type: 'individual', name: 'Alice', email: 'alice@example.org' }, items: [{ amountCents: 2000, quantity: 1 }] });
  const checkoutRef = new URL(((await card.json()) as { paymentUrl: string }).paymentUrl).pathname.split('/').pop()!;
  const organisationId = (await rowOf<{ id: string }>(app, 'SELECT organisation_id AS id FROM orders WHERE id = @id', { id: order.order.id }))!.id;

  // Redemptions at the first shop, one of them settled (a batch and a statement).
  const [settled, forApi, forPage, forOperator] = await buyVouchersOn(app, { amountCents: 50_00, quantity: 4 });
  const galerne = await merchantIdOn(app, 'librairie-la-galerne');
  await take(app, galerne, settled!.code, 10_00);
  clock.set(new Date(T0.getTime() + 31 * 60_000)); // past the void window
  const run = await settle(app, parisDate(clock.now()));
  const statementId = (await rowOf<{ id: string }>(app, 'SELECT id FROM statements WHERE batch_id = @batch AND merchant_id = @shop', { batch: run.batch!.id, shop: galerne }))!.id;
  const apiRedemption = (await take(app, galerne, forApi!.code, 5_00)).redemption.id;
  const pageRedemption = (await take(app, galerne, forPage!.code, 5_00)).redemption.id;
  await app.drainOutbox();
  const mail = readdirSync(join(app.dataDir, 'outbox')).find((f) => f.endsWith('.eml'));
  ids = {
    order: order.order.id, organisation: organisationId, checkoutRef, statement: statementId, batch: run.batch!.id, apiRedemption, pageRedemption,
    spareKey: spareKey.id, spareStaff: spareStaff.id, shopVoucher: forApi!.formatted, publicVoucher: forPage!.code, operatorVoucher: forOperator!.code, mail: mail ?? 'none.eml',
  };

  const signedIn = async (signInPath: string, email: string, password: string) => {
    const c = new FormClient(app.url);
    const page = await c.get(signInPath);
    expect((await c.post(signInPath, { email, password }, page.html)).res.status, email).toBe(303);
    return c;
  };
  const clients: Record<Caller, FormClient> = {
    anonymous: new FormClient(app.url),
    staff: await signedIn('/connexion', 'vendeur.galerne@demo.bons-locaux.fr', DEMO_PASSWORD),
    owner: await signedIn('/connexion', 'galerne@demo.bons-locaux.fr', DEMO_PASSWORD),
    otherOwner: await signedIn('/connexion', 'fromagerie@demo.bons-locaux.fr', DEMO_PASSWORD),
    shopKey: new FormClient(app.url),
    otherShopKey: new FormClient(app.url),
    adminKey: new FormClient(app.url),
    viewer: await signedIn('/operateur/connexion', 'lecture@demo.bons-locaux.fr', DEMO_OPERATOR_PASSWORD),
    operator: await signedIn('/operateur/connexion', 'agent@cci.example', 'agent-password-1'),
    admin: await signedIn('/operateur/connexion', 'operateur@demo.bons-locaux.fr', DEMO_OPERATOR_PASSWORD),
    orderToken: new FormClient(app.url),
    orgLink: new FormClient(app.url),
  };
  for (const c of CALLERS) {
    // Every caller holds a valid CSRF token: refusals must be about who calls, not about the form.
    const page = await clients[c].get('/organisation/lien');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
    expect(csrf, c).toBeTruthy();
    callers[c] = { client: clients[c], csrf: csrf!, headers: {} };
  }
  callers.shopKey.headers = key.headers;
  callers.otherShopKey.headers = otherKey.headers;
  callers.adminKey.headers = admin.headers;
  callers.orderToken.token = order.accessToken;
  callers.orgLink.token = await organisationLinkOn(app, organisationId);
}, 60_000);
afterAll(() => app.close());

/** Real ids of the seeded data for each path parameter; an unknown parameter fails loudly. */
function fill(path: string): string {
  const value = (name: string): string => {
    const under = (prefix: string) => path.startsWith(prefix);
    switch (name) {
      case 'slug':
        return under('/operateur/commerces') ? 'cinema-lillebonne' : under('/operateur/campagnes') ? 'noel-fecamp' : 'seine-estuaire';
      case 'code':
        return under('/api/') ? ids.shopVoucher! : under('/operateur/') ? ids.operatorVoucher! : ids.publicVoucher!;
      case 'id':
        if (under('/api/v1/redemptions')) return ids.apiRedemption!;
        if (under('/commercant/operations')) return ids.pageRedemption!;
        if (under('/commercant/cles')) return ids.spareKey!;
        if (under('/commercant/equipe')) return ids.spareStaff!;
        if (under('/commercant/releves')) return ids.statement!;
        if (under('/operateur/reglements')) return ids.batch!;
        if (under('/organisation/')) return ids.organisation!;
        if (/^\/(api\/v1\/orders|commandes|commande-organisation|operateur\/commandes)\//.test(path)) return ids.order!;
        break;
      case 'page':
        return 'accessibility';
      case 'orderId':
        return ids.order!;
      case 'sid':
        return ids.statement!;
      case 'seq':
        return '1';
      case 'ref':
        return ids.checkoutRef!;
      case 'lang':
        return 'fr';
      case 'token':
        return 'not-a-real-reset-token';
      case 'file':
        if (under('/operateur/impact')) return 'commerces.csv';
        if (under('/embed/')) return 'seine-estuaire';
        if (under('/dev/')) return ids.mail!;
        if (under('/media/')) return '0123456789abcdef0123456789abcdef.png';
        break;
    }
    throw new Error(`no value for :${name} in ${path}: add one to fill()`);
  };
  return path.replace(/:(\w+)/g, (_m, name: string) => value(name));
}

interface Outcome {
  route: string;
  caller: Caller;
  status: number;
  location: string | null;
}

async function call(route: AppRoute, caller: Caller): Promise<Outcome> {
  const c = callers[caller];
  const url = new URL(fill(route.path), app.url);
  if (c.token) url.searchParams.set('token', c.token);
  const path = url.pathname + url.search;
  const json = route.path.startsWith('/api/') || route.path.startsWith('/webhooks/');
  const headers: Record<string, string> = { ...c.headers, 'x-csrf-token': c.csrf, accept: json ? 'application/json' : 'text/html' };
  let init: RequestInit = { headers };
  if (route.method !== 'GET') {
    let body: BodyInit;
    if (MULTIPART.has(`${route.method} ${route.path}`)) {
      const form = new FormData();
      form.set('_csrf', c.csrf);
      body = form;
    } else if (json) {
      headers['content-type'] = 'application/json';
      body = '{}';
    } else {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams({ _csrf: c.csrf }).toString();
    }
    init = { method: route.method, headers, body };
  }
  const res = await c.client.request(path, init);
  await res.arrayBuffer();
  return { route: `${route.method} ${route.path}`, caller, status: res.status, location: res.headers.get('location') };
}

/** What is wrong with this outcome, if anything. */
function problem(rule: Rule, o: Outcome): string | null {
  if (o.status >= 500) return `${o.status}`;
  const toSignIn = o.status >= 300 && o.status < 400 && /^\/(operateur\/)?connexion(\?|$)/.test(o.location ?? '');
  if (rule.session) return o.status === 403 || o.status === 404 ? `sign-in route answered ${o.status}` : null;
  if (allowed(rule, o.caller)) {
    if (o.status === 401 || o.status === 403 || toSignIn) return `allowed but refused (${o.status} ${o.location ?? ''})`;
    if (rule.allow !== 'everyone' && o.status === 404) return 'allowed but 404 on real ids';
    return null;
  }
  if ([401, 403, 404, ...(rule.refusals ?? [])].includes(o.status)) return null;
  if (toSignIn && rule.signIn && o.location!.startsWith(rule.signIn)) return null;
  return `refused caller got ${o.status} ${o.location ?? ''}`;
}

const classified = () => routes.map((r) => ({ r, rule: ruleFor(r)! }));

describe('access matrix (generated from the router)', () => {
  it('finds the routes and classifies every one of them', () => {
    expect(routes.length).toBeGreaterThan(80);
    for (const known of ['POST /api/v1/redemptions', 'GET /api/v1/orders/:id', 'POST /webhooks/stripe', 'POST /operateur/commandes/:id/annuler', 'GET /commercant/releves/:id.pdf']) {
      expect(routes.map((r) => `${r.method} ${r.path}`)).toContain(known);
    }
    const unclassified = routes.filter((r) => !ruleFor(r)).map((r) => `${r.method} ${r.path}`);
    expect(unclassified, 'new routes: add a rule saying who may call them').toEqual([]);
    // Every path parameter has a real value.
    for (const r of routes) expect(() => fill(r.path)).not.toThrow();
  });

  it('every route × twelve kinds of caller: allowed callers served, refused ones turned away, no 5xx; refused calls change nothing', async () => {
    const all = classified().flatMap(({ r, rule }) => CALLERS.map((caller) => ({ r, rule, caller })));
    const refused = all.filter((x) => !allowed(x.rule, x.caller));
    const allowedGets = all.filter((x) => allowed(x.rule, x.caller) && x.r.method === 'GET');
    const allowedPosts = all.filter((x) => allowed(x.rule, x.caller) && x.r.method !== 'GET' && !SESSION_ROUTES.test(x.r.path));
    const sessionPosts = all.filter((x) => allowed(x.rule, x.caller) && x.r.method !== 'GET' && SESSION_ROUTES.test(x.r.path));
    expect(refused.length + allowedGets.length + allowedPosts.length + sessionPosts.length).toBe(routes.length * CALLERS.length);

    const problems: string[] = [];
    const play = async (batch: typeof all) => {
      const outcomes = await pool(batch, 8, (x) => call(x.r, x.caller));
      outcomes.forEach((o, i) => {
        const p = problem(batch[i]!.rule, o);
        if (p) problems.push(`${o.route} as ${o.caller}: ${p}`);
      });
      return outcomes;
    };

    const before = await dbFingerprintOn(app);
    expect(Object.keys(before).length, 'tables fingerprinted').toBeGreaterThan(20);
    await play(refused);
    expect(await dbFingerprintOn(app), 'refused callers changed the database').toEqual(before);
    // Public routes answer everyone alike (checked on GETs, before any allowed call changes state).
    const publicGets = await play(allowedGets);
    const byRoute = new Map<string, Set<number>>();
    publicGets.forEach((o, i) => {
      if (allowedGets[i]!.rule.allow !== 'everyone' || allowedGets[i]!.rule.session) return;
      byRoute.set(o.route, (byRoute.get(o.route) ?? new Set()).add(o.status));
    });
    for (const [route, statuses] of byRoute) if (statuses.size > 1) problems.push(`${route}: public, but callers got ${[...statuses].join('/')}`);
    await play(allowedPosts);
    await play(sessionPosts);
    expect(problems).toEqual([]);
  }, 120_000);
});
