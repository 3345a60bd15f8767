/**
 * Issue 15, item 4: « the back-office speaks in references, names and French dates ». Every
 * HTML page of the operator's area (the list comes from the router, not from this file) is
 * opened as an admin on a small history — a town hall's order paid by a recorded transfer,
 * a card order, redemptions, a settlement run — and its visible text (tags, attributes,
 * form values and code samples left out) must show no ISO date, no raw actor
 * (`operator:…`, `payment:…`), no snake_case action or status and no « (s) » plural.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowOf } from '../support/backend-query';
import { buyVouchersOn, postOrder, TOWN_HALL_BUYER } from '../support/builders';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { DEMO_ADMIN_EMAIL, operatorClient } from '../support/operator';
import { listRoutes } from '../support/routes';
import { merchantIdOn, settle, take } from '../support/settlement';
import { FormClient, fixedClock, startTestApp, type TestApp } from '../support/test-app';

const clock = fixedClock('2026-11-18T09:00:00Z');
let app: TestApp;
let admin: FormClient;
const params: Record<string, string> = {};

beforeAll(async () => {
  app = await startTestApp({ clock });
  admin = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
  // A town hall's order by bank transfer, recorded by the operator (audit: order_transfer_recorded).
  const res = await postOrder(app.url, { buyer: TOWN_HALL_BUYER, items: [{ amountCents: 5000, quantity: 2 }] });
  const transfer = ((await res.json()) as { order: { id: string; totalCents: number } }).order;
  const page = await admin.get(`/operateur/commandes/${transfer.id}`);
  const total = `${Math.floor(transfer.totalCents / 100)},${String(transfer.totalCents % 100).padStart(2, '0')}`;
  expect((await admin.post(`/operateur/commandes/${transfer.id}/virements`, { amount: total, reference: 'VIR-2026-11-18' }, page.html)).res.status).toBeLessThan(400);
  // A card order paid through the demo provider (actor payment:demo), on the app's backend.
  const [voucher] = await buyVouchersOn(app, { amountCents: 3000 });
  const shop = 'bijouterie-falaise';
  await take(app, await merchantIdOn(app, shop), voucher!.code, 12_50);
  clock.advance(2 * 86_400_000);
  await settle(app, '2026-11-19');
  admin = await operatorClient(app.url, DEMO_ADMIN_EMAIL); // the first session ended with the two days
  const one = async (sql: string) => (await rowOf<{ id: string }>(app, sql))!.id;
  Object.assign(params, {
    code: voucher!.code,
    slug: shop,
    id: voucher!.orderId,
    sid: await one(`SELECT id FROM statements LIMIT 1`),
    page: 'mentions',
  });
  params.batch = await one(`SELECT id FROM settlement_batches LIMIT 1`);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

/** What a person reads: no tags, attributes, scripts, form values or code samples. */
function visibleText(html: string): string {
  return html
    .replace(/<(script|style|head|textarea|pre|code|select)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

const RAW = [
  { what: 'ISO date', re: /\b20\d\d-\d\d-\d\d\b/g },
  { what: 'raw actor', re: /\b(?:operator|user|key|payment|system):[\w-]+/g },
  { what: 'snake_case identifier', re: /\b[a-z]+(?:_[a-z]+)+\b/g },
  { what: '« (s) » plural', re: /\w\((?:s|e|es|x)\)/g },
];

/** A route's path with its parameters filled in from the history above; null when it has one we do not know. */
function concrete(path: string): string | null {
  let p = path;
  if (/^\/operateur\/(reglements)\/:id/.test(p)) p = p.replace(':id', params.batch!);
  if (/^\/operateur\/releves\/:sid/.test(p)) p = p.replace(':sid', params.sid!);
  if (/^\/operateur\/campagnes\/:slug/.test(p)) p = p.replace(':slug', 'seine-estuaire');
  if (/^\/operateur\/bons\/:code/.test(p)) p = p.replace(':code', params.code!);
  p = p.replace(/:(\w+)/g, (m, name: string) => params[name] ?? m);
  return p.includes(':') ? null : p;
}

describe('the back-office speaks in references, names and French dates', () => {
  it('no operator page shows an ISO date, a raw actor, a snake_case identifier or « (s) »', async () => {
    const pages = listRoutes(app.app)
      // The sign-in page sends a signed-in operator on; it shows no data.
      .filter((r) => r.method === 'GET' && /^\/operateur(\/|$)/.test(r.path) && r.path !== '/operateur/connexion' && !/\.(csv|pdf|xml|txt|json)$|\/:file$|-:seq/.test(r.path))
      .map((r) => r.path);
    const unknown = pages.filter((p) => concrete(p) === null);
    expect(unknown).toEqual([]);
    const found: string[] = [];
    let opened = 0;
    for (const path of pages) {
      const url = concrete(path)!;
      const { res, html } = await admin.get(url);
      if (res.status !== 200) {
        found.push(`${url}: HTTP ${res.status}`);
        continue;
      }
      opened++;
      const text = visibleText(html);
      for (const { what, re } of RAW) for (const m of text.matchAll(re)) found.push(`${url}: ${what} « ${text.slice(Math.max(0, m.index! - 40), m.index! + m[0].length + 20).trim()} »`);
    }
    expect(found).toEqual([]);
    expect(opened).toBeGreaterThan(15);
  });

  it('shows a shop’s category in the page’s language (stored in French)', async () => {
    await rowOf(app, `UPDATE merchants SET category = 'Bijouterie' WHERE slug = @slug`, { slug: params.slug! });
    const en = await admin.get(`/operateur/commerces/${params.slug}`, { 'accept-language': 'en' });
    expect(visibleText(en.html)).toContain('Jewellery');
    const list = await admin.get('/operateur/commerces', { 'accept-language': 'en' });
    expect(visibleText(list.html)).toContain('Jewellery');
  });

  it('the shop’s pages (dashboard, statements, team, keys) show no ISO date, raw identifier or « (s) » either', async () => {
    const shop = new FormClient(app.url);
    const login = await shop.get('/connexion');
    expect((await shop.post('/connexion', { email: 'bijouterie@demo.bons-locaux.fr', password: DEMO_PASSWORD, next: '/commercant' }, login.html)).res.status).toBe(303);
    const statement = (await rowOf<{ id: string }>(app, `SELECT s.id FROM statements s JOIN merchants m ON m.id = s.merchant_id WHERE m.slug = @slug`, { slug: params.slug! }))!.id;
    const pages = listRoutes(app.app).filter((r) => r.method === 'GET' && /^\/commercant(\/|$)/.test(r.path) && !/\.(csv|pdf|xml|txt|json)$|\/facture\.pdf$/.test(r.path)).map((r) => r.path.replace(':id', statement));
    const found: string[] = [];
    for (const url of pages) {
      const { res, html } = await shop.get(url);
      expect(res.status, url).toBe(200);
      const text = visibleText(html);
      for (const { what, re } of RAW) for (const m of text.matchAll(re)) found.push(`${url}: ${what} « ${text.slice(Math.max(0, m.index! - 40), m.index! + m[0].length + 20).trim()} »`);
    }
    expect(pages.length).toBeGreaterThan(3);
    expect(found).toEqual([]);
  });
});
