/**
 * Issue 15: the page audit behind tests/e2e/a11y-*.browser.test.ts. Which pages exist comes
 * from the router (listRoutes), which caller sees each one from ROLE_RULES, real values for
 * path parameters from fillPath() over a dataset made through the app's own services; a GET
 * route that no rule or parameter value covers fails the audit instead of being skipped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import { expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { saveBrand } from '../../server/domain/brand/brand-service';
import { storeCampaignImage } from '../../server/domain/campaigns/campaign-admin-service';
import { issuePasswordLink } from '../../server/domain/merchants/merchant-users-service';
import { findUserByEmail } from '../../server/domain/merchants/merchant-users-repository';
import { DEMO_OPERATOR_PASSWORD } from '../../server/domain/operators/demo-operators';
import { parisDate } from '../../server/lib/paris-time';
import { createLogger } from '../../server/lib/logger';
import { handleProviderEvent } from '../../server/domain/orders/payment-events-service';
import type { DemoProvider } from '../../server/payments/demo-provider';
import { buyVouchers, organisationLink, postOrder, adminKey, TOWN_HALL_BUYER } from './builders';
import { DEMO_ADMIN_EMAIL, DEMO_VIEWER_EMAIL } from './operator';
import { listRoutes } from './routes';
import { solidPng } from './png';
import { merchantId, settle, take } from './settlement';
import type { TestApp } from './test-app';

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Who opens a page: a browser context each (the buyer and the organisation hold a secret in the URL instead of a session). */
export const ROLES = ['anonymous', 'buyer', 'organisation', 'owner', 'staff', 'admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who sees each GET route (first match wins). Every role listed is audited on the page: the
 * shop's staff and its owner, the operator's admin and its read-only viewer get different
 * navigation and buttons. Anything else is opened anonymously: a new route behind a sign-in
 * then answers 401/403 or a sign-in redirect, which fails the audit until it is classified here.
 */
const ROLE_RULES: { path: RegExp; roles: Role[] }[] = [
  { path: /^\/(operateur\/)?connexion$/, roles: ['anonymous'] },
  { path: /^\/operateur\/(pages-legales|donnees-personnelles|campagnes\/nouvelle|identite-visuelle)(\/|$)/, roles: ['admin'] },
  { path: /^\/operateur(\/|$)/, roles: ['admin', 'viewer'] },
  { path: /^\/commercant\/(cles|equipe|horaires)(\/|$)/, roles: ['owner'] },
  { path: /^\/(caisse|commercant)(\/|$|\.)/, roles: ['owner', 'staff'] },
  { path: /^\/(commandes|commande-organisation)\/:id/, roles: ['buyer'] },
  { path: /^\/organisation\/:id/, roles: ['organisation'] },
  { path: /^\//, roles: ['anonymous'] },
];

export function rolesFor(path: string): Role[] {
  return ROLE_RULES.find((r) => r.path.test(path))!.roles;
}

/** Real values behind every path parameter, made by seedAuditData(). */
export interface AuditData {
  order: string;
  orderToken: string;
  orgOrder: string;
  orgOrderToken: string;
  organisation: string;
  organisationToken: string;
  confirmOrder: string;
  confirmToken: string;
  statement: string;
  batch: string;
  voucher: string;
  resetToken: string;
  checkoutRef: string;
  image: string;
  mail: string;
}

/**
 * How to obtain each path parameter's value (by parameter name and where the route lives).
 * A parameter without a line here throws: a new page cannot escape the audit unfilled.
 */
export function fillPath(path: string, d: AuditData): { url: string; secret?: string } {
  const under = (prefix: string) => path.startsWith(prefix);
  let secret: string | undefined;
  const value = (name: string): string | undefined => {
    switch (name) {
      case 'slug':
        return under('/operateur/commerces') ? 'librairie-la-galerne' : 'seine-estuaire';
      case 'code':
        return d.voucher;
      case 'id':
        if (under('/commercant/releves')) return d.statement;
        if (under('/operateur/reglements')) return d.batch;
        if (under('/organisation/')) return d.organisation;
        if (under('/commande-organisation/')) return d.orgOrder;
        if (/^\/(api\/v1\/orders|commandes|operateur\/commandes)\//.test(path)) return d.order;
        return undefined;
      case 'orderId':
        return under('/organisation/:id/confirmer') ? d.confirmOrder : d.orgOrder;
      case 'page':
        return 'accessibility';
      case 'sid':
        return d.statement;
      case 'seq':
        return '1';
      case 'ref':
        return d.checkoutRef;
      case 'lang':
        return 'fr';
      case 'token':
        return d.resetToken;
      case 'file':
        if (under('/operateur/impact')) return 'commerces.csv';
        if (under('/embed/')) return 'seine-estuaire';
        if (under('/media/')) return d.image;
        if (under('/dev/outbox')) return d.mail;
        return undefined;
    }
    return undefined;
  };
  const url = path.replace(/:(\w+)/g, (_m, name: string) => {
    const v = value(name);
    if (v === undefined) throw new Error(`no value for :${name} in ${path}: add one to fillPath() in tests/support/page-audit.ts`);
    return v;
  });
  // The secrets that open the buyer's and the organisation's pages travel as ?token=.
  if (under('/commandes/')) secret = d.orderToken;
  else if (under('/commande-organisation/')) secret = d.orgOrderToken;
  else if (under('/organisation/:id/confirmer')) secret = d.confirmToken;
  else if (under('/organisation/:id')) secret = d.organisationToken;
  return { url: secret ? `${url}?token=${encodeURIComponent(secret)}` : url, secret };
}

const outboxPayload = (app: TestApp, kind: string) =>
  JSON.parse(app.database.sqlite.prepare('SELECT payload FROM outbox_messages WHERE kind = ? ORDER BY rowid DESC LIMIT 1').pluck().get(kind) as string) as Record<string, string>;

/**
 * A dataset where every page has something to show: paid card orders with vouchers (one
 * partly spent), a town hall's paid order by transfer and a second one awaiting its contact's
 * confirmation, a settled week (batch and statement), a password link, a campaign image, and a
 * card order waiting at the demo checkout. Made through the services, as production makes them.
 */
export async function seedAuditData(app: TestApp): Promise<AuditData> {
  const deps = { database: app.database, clock: app.clock, baseUrl: app.url };
  const admin = adminKey(deps);
  const [spent, shown] = await buyVouchers(deps, { amountCents: 50_00, quantity: 2 });
  const galerne = merchantId(app.database, 'librairie-la-galerne');
  await take(app, galerne, spent!.code, 10_00);
  await take(app, galerne, shown!.code, 7_50);

  // A card order paid at the demo checkout (its page lists the vouchers and their gift forms),
  // and one still waiting there (the checkout page).
  const cardOrder = async (email: string) => {
    const res = await postOrder(app.url, { paymentMethod: 'card', buyer: { type: 'individual', name: 'Alice Martin', email }, items: [{ amountCents: 2000, quantity: 2 }] });
    const body = (await res.json()) as { order: { id: string; totalCents: number }; accessToken: string; paymentUrl: string };
    return { ...body, checkoutRef: new URL(body.paymentUrl).pathname.split('/').pop()! };
  };
  const cardBody = await cardOrder('alice@example.org');
  const orderDeps = { database: app.database, clock: app.clock, payments: app.payments, baseUrl: app.url, logger: createLogger('silent'), operator: app.config.operator };
  expect(handleProviderEvent(orderDeps, (app.payments as DemoProvider).simulatedEvent(cardBody.checkoutRef, 'paid', cardBody.order.totalCents))).toBe('issued');
  const { checkoutRef } = await cardOrder('bob@example.org');

  const townHall = (await (await postOrder(app.url, { buyer: TOWN_HALL_BUYER, items: [{ amountCents: 5000, quantity: 2 }] })).json()) as { order: { id: string; totalCents: number }; accessToken: string };
  const paid = await fetch(`${app.url}/api/v1/orders/${townHall.order.id}/payments`, {
    method: 'POST',
    headers: { ...admin.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ amountCents: townHall.order.totalCents, reference: 'VIR-AUDIT-1' }),
  });
  expect(paid.status).toBe(201);
  const organisation = app.database.sqlite.prepare('SELECT organisation_id FROM orders WHERE id = ?').pluck().get(townHall.order.id) as string;
  // The same SIRET and email again: the contact is asked to confirm (the secret is in the queued mail).
  const again = (await (await postOrder(app.url, { buyer: TOWN_HALL_BUYER, items: [{ amountCents: 5000, quantity: 1 }] })).json()) as { order: { id: string } };
  const confirmToken = outboxPayload(app, 'org_order_confirm').confirmToken!;

  // A settled week: the clock moves past the void window first (the tests use a settable clock).
  const clock = app.clock as { set?: (d: Date) => void };
  clock.set!(new Date(app.clock.now().getTime() + 31 * 60_000));
  const run = await settle(app, parisDate(app.clock.now()));
  const statement = app.database.sqlite.prepare('SELECT id FROM statements WHERE batch_id = ? AND merchant_id = ?').pluck().get(run.batch!.id, galerne) as string;

  const user = findUserByEmail(app.database.db, 'galerne@demo.bons-locaux.fr')!;
  app.database.transaction((tx) => issuePasswordLink(tx, app.clock.now(), user, 'password_reset', 'fr'));
  const resetToken = outboxPayload(app, 'password_reset').token!;

  // The queued mail written out as the worker would (the dev outbox pages list and show them).
  await app.drainOutbox();
  const mail = readdirSync(join(app.dataDir, 'outbox')).find((f) => f.endsWith('.eml'))!;

  // A campaign image, so the campaign pages show it (and its text alternative is audited).
  const png = new PNG({ width: 8, height: 4 });
  png.data.fill(200);
  const imagePath = storeCampaignImage(app.dataDir, { bytes: PNG.sync.write(png), ext: 'png' });
  app.database.sqlite.prepare('UPDATE campaigns SET image_path = ? WHERE slug = ?').run(imagePath, 'seine-estuaire');
  // The operator's brand with a logo and a default campaign image: every page is audited in
  // the brand's colours (its contrast rules are checked on save), and /marque/* answer images.
  saveBrand(app, 'operator:audit', { name: 'Chèques cadeaux du Havre', primary: '#0b5d3b', accent: '#a4370b', logo: { bytes: solidPng(40, 20, [200, 30, 30, 255]), type: 'png' }, image: { bytes: solidPng(64, 36, [30, 120, 60, 255]), type: 'png' } });

  return {
    order: cardBody.order.id,
    orderToken: cardBody.accessToken,
    orgOrder: townHall.order.id,
    orgOrderToken: townHall.accessToken,
    organisation,
    organisationToken: organisationLink(app.database, organisation),
    confirmOrder: again.order.id,
    confirmToken,
    statement,
    batch: run.batch!.id,
    voucher: shown!.code,
    resetToken,
    checkoutRef,
    image: imagePath.split('/').pop()!,
    mail,
  };
}

/** A context per role, signed in through the app's own sign-in forms. */
export async function roleContext(browser: Browser, app: TestApp, role: Role): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
  const signIn = async (path: string, email: string, password: string) => {
    const page = await context.newPage();
    await page.goto(`${app.url}${path}`);
    await page.getByLabel('E-mail', { exact: false }).first().fill(email);
    await page.getByLabel('Mot de passe').fill(password);
    await Promise.all([page.waitForURL((u) => u.pathname !== path), page.getByRole('main').getByRole('button', { name: /Se connecter/ }).click()]);
    await page.close();
  };
  if (role === 'owner') await signIn('/connexion', 'galerne@demo.bons-locaux.fr', DEMO_PASSWORD);
  if (role === 'staff') await signIn('/connexion', 'vendeur.galerne@demo.bons-locaux.fr', DEMO_PASSWORD);
  if (role === 'admin') await signIn('/operateur/connexion', DEMO_ADMIN_EMAIL, DEMO_OPERATOR_PASSWORD);
  if (role === 'viewer') await signIn('/operateur/connexion', DEMO_VIEWER_EMAIL, DEMO_OPERATOR_PASSWORD);
  return context;
}

export interface AuditedPage {
  role: Role;
  route: string;
  url: string;
}

/**
 * The pages to audit, from the router: every GET route, filled in and fetched as each role
 * that sees it (asking for HTML). Rule: a page is what answers 200 with Content-Type
 * text/html. What answers another type, whatever its status, is not a page: the JSON API
 * (/api/*, whose errors are JSON too; api-fuzz and the access matrix cover it), PDF, CSV,
 * XML, images, scripts, mail files. Routes that only redirect (3xx elsewhere than a sign-in
 * page) have nothing to show. An HTML answer other than 200 or a sign-in redirect means the
 * role or the filled-in value is wrong: a failure, so no page slips out of the audit.
 */
export async function auditedPages(app: TestApp, data: AuditData, contexts: Map<Role, BrowserContext>, roles: readonly Role[]): Promise<{ pages: AuditedPage[]; skipped: string[]; problems: string[] }> {
  const pages: AuditedPage[] = [];
  const skipped: string[] = [];
  const problems: string[] = [];
  for (const route of listRoutes(app.app).filter((r) => r.method === 'GET')) {
    const { url } = fillPath(route.path, data);
    for (const role of rolesFor(route.path).filter((r) => roles.includes(r))) {
      const res = await contexts.get(role)!.request.get(`${app.url}${url}`, { maxRedirects: 0, headers: { accept: 'text/html,*/*' } });
      const type = res.headers()['content-type'] ?? '';
      await res.dispose();
      const location = res.headers().location ?? '';
      const html = type.startsWith('text/html');
      if (res.status() === 200 && html) pages.push({ role, route: route.path, url });
      else if ((type && !html) || (res.status() >= 300 && res.status() < 400 && !/\/connexion(\?|$)/.test(location))) skipped.push(`${route.path} (${role}): ${res.status()} ${type || location}`);
      else problems.push(`${route.path} as ${role} (${url}): ${res.status()} ${location}`);
    }
  }
  return { pages, skipped, problems };
}

/** axe-core's WCAG 2.1 A/AA violations on the page as it is now, one line per failing node. */
export async function axeViolations(page: Page): Promise<string[]> {
  // page.evaluate runs through the DevTools protocol, which the page's CSP does not govern:
  // axe is injected without relaxing the CSP (bypassCSP would audit a page styled otherwise
  // than users get it, e.g. with inline styles the CSP blocks).
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.help}) at ${JSON.stringify(n.target)}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 300)}`));
  }, WCAG_TAGS);
  return violations;
}

/** Empty when the page does not scroll sideways; otherwise the elements reaching past the right edge (innermost first). */
export async function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth) return [];
    const width = root.clientWidth;
    const describe = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.classList.length ? `.${[...el.classList].join('.')}` : ''}`;
    const culprits = [...document.body.querySelectorAll('*')].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.right > width + 0.5 && r.width > 0 && ![...el.children].some((c) => c.getBoundingClientRect().right > width + 0.5);
    });
    return [`scrollWidth ${root.scrollWidth} > ${width}`, ...culprits.slice(0, 8).map((el) => `${describe(el)} right=${Math.round(el.getBoundingClientRect().right)} in ${el.parentElement ? describe(el.parentElement) : ''}`)];
  });
}

/** What axe and the overflow check find on the page as it is shown now, one line each. */
export async function auditHere(page: Page, label: string): Promise<string[]> {
  const width = page.viewportSize()?.width;
  return [...(await axeViolations(page)).map((v) => `${label} at ${width} px: ${v}`), ...(await horizontalOverflow(page)).map((o) => `${label} at ${width} px overflows: ${o}`)];
}

/**
 * Opens the page at 1280 px, then narrows the window to 320 px (as a phone user zooming to
 * 400 % would: WCAG 1.4.10 reflow) without reloading; what axe and the overflow check find
 * at each width, one line each.
 */
export async function auditPage(page: Page, base: string, p: AuditedPage): Promise<string[]> {
  const label = `${p.route} as ${p.role}`;
  await page.setViewportSize({ width: 1280, height: 900 });
  const res = await page.goto(`${base}${p.url}`, { waitUntil: 'load' });
  const out = res?.status() === 200 ? [] : [`${label}: ${res?.status()} in the browser`];
  out.push(...(await auditHere(page, label)));
  await page.setViewportSize({ width: 320, height: 640 });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  out.push(...(await auditHere(page, label)));
  return out;
}

/**
 * The audit of every page the given roles see, for one test file (the roles are split over
 * files so vitest's forks share the work): one app, one browser, one context per role, the
 * pages one after another.
 */
export function describePageAudit(name: string, roles: readonly Role[], env: { readonly app: TestApp; readonly browser: Browser }, minimumPages: Partial<Record<Role, number>>) {
  return async () => {
    const started = Date.now();
    const data = await seedAuditData(env.app);
    const contexts = new Map<Role, BrowserContext>();
    for (const role of roles) contexts.set(role, await roleContext(env.browser, env.app, role));
    const { pages, skipped, problems } = await auditedPages(env.app, data, contexts, roles);
    expect(problems, 'GET routes that answered neither a page, a download nor a redirect: say who sees them in ROLE_RULES, or fix their value in fillPath (tests/support/page-audit.ts)').toEqual([]);
    const findings: string[] = [];
    for (const role of roles) {
      const page = await contexts.get(role)!.newPage();
      for (const p of pages.filter((x) => x.role === role)) findings.push(...(await auditPage(page, env.app.url, p)));
      await page.close();
    }
    const perRole = Object.fromEntries(roles.map((r) => [r, pages.filter((p) => p.role === r).length]));
    console.info(`[${name}] pages audited per role ${JSON.stringify(perRole)} in ${Math.round((Date.now() - started) / 1000)} s; not pages: ${skipped.join('; ')}`);
    for (const c of contexts.values()) await c.close();
    expect(findings).toEqual([]);
    for (const [role, n] of Object.entries(minimumPages)) expect(perRole[role], `pages seen as ${role}`).toBeGreaterThanOrEqual(n);
  };
}
