import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { weekStart } from '../../server/reports/impact';
import { rowsOf } from '../support/backend-query';
import { buyVouchersOn } from '../support/builders';
import { merchantIdOn, take as takeOn } from '../support/settlement';
import { DEMO_VIEWER_EMAIL, operatorClient } from '../support/operator';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
let viewer: FormClient;
/** Rows read on the app's backend (`@name` parameters, lower-case aliases). */
const sql = <T>(q: string, params: Record<string, string> = {}) => rowsOf<T>(app, q, params);
const csvEuros = (cents: number) => `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, '0')}`;

beforeAll(async () => {
  app = await startTestApp();
  const a = await buyVouchersOn(app, { amountCents: 5000, quantity: 4 });
  const b = await buyVouchersOn(app, { amountCents: 3000, quantity: 2, campaign: 'noel-fecamp' });
  // A company's order through the same issuing path (relabelled before payment): the report groups by buyer type.
  await buyVouchersOn(app, { amountCents: 2000, quantity: 3, relabelAs: 'company' });
  const galerne = await merchantIdOn(app, 'librairie-la-galerne');
  await takeOn(app, galerne, a[0]!.code, 5000);
  await takeOn(app, galerne, a[1]!.code, 1250);
  await takeOn(app, await merchantIdOn(app, 'le-grenier-a-sel'), a[2]!.code, 4000);
  await takeOn(app, await merchantIdOn(app, 'bijouterie-falaise'), b[0]!.code, 3000);
  viewer = await operatorClient(app.url, DEMO_VIEWER_EMAIL);
});
afterAll(() => app.close());

const csv = async (name: string, q = '') => {
  const res = await viewer.request(`/operateur/impact/${name}.csv${q}`);
  expect(res.status, name).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/csv');
  return (await res.text()).replace(/^\ufeff/, '').trim().split('\r\n').map((l) => l.split(';'));
};

describe('impact dashboard', () => {
  it('shows the page to every operator role, with an accessible SVG chart and its table', async () => {
    const { res, html } = await viewer.get('/operateur/impact');
    expect(res.status).toBe(200);
    expect(html).toMatch(/<svg [^>]*role="img" aria-labelledby="impact-chart-title impact-chart-desc"/);
    expect(html).toContain('<title id="impact-chart-title">');
    expect(html).toContain('<desc id="impact-chart-desc">');
    expect(html).not.toMatch(/<svg[^>]*style=/);
    expect(html).toContain('Semaine du');
    expect((await fetch(`${app.url}/operateur/impact`, { redirect: 'manual' })).status).toBe(303);
  });

  it('matches the figures computed from the ledger tables', async () => {
    const buyers = await sql<{ t: string; s: number }>(`SELECT o.buyer_type AS t, SUM(m.amount_cents) AS s FROM movements m JOIN vouchers v ON v.id = m.voucher_id JOIN orders o ON o.id = v.order_id WHERE m.kind = 'issue' AND v.reissued_from IS NULL GROUP BY o.buyer_type`);
    const got = Object.fromEntries((await csv('acheteurs')).slice(1).map((r) => [r[0], r[3]]));
    expect(got).toEqual(Object.fromEntries(buyers.map((b) => [b.t, csvEuros(b.s)])));
    expect(got.company).toBe('60,00');

    const spent = await sql<{ slug: string; s: number }>(`SELECT m.slug, SUM(-mv.amount_cents) AS s FROM movements mv JOIN redemptions r ON r.id = mv.redemption_id JOIN merchants m ON m.id = r.merchant_id WHERE mv.kind IN ('redeem', 'void') GROUP BY m.slug HAVING SUM(-mv.amount_cents) > 0`);
    const shops = Object.fromEntries((await csv('commerces')).slice(1).map((r) => [r[0], r[5]]));
    expect(shops).toEqual(Object.fromEntries(spent.map((s) => [s.slug, csvEuros(s.s)])));
    expect(shops['librairie-la-galerne']).toBe('62,50');
    expect((await csv('top-commerces'))[1]![0]).toBe('librairie-la-galerne');

    const towns = Object.fromEntries((await csv('communes')).slice(1).map((r) => [r[0], r[3]]));
    expect(towns).toMatchObject({ 'Le Havre': '62,50', Honfleur: '40,00', 'Fécamp': '30,00' });
    const cats = Object.fromEntries((await csv('categories')).slice(1).map((r) => [r[0], r[3]]));
    expect(cats).toMatchObject({ Librairie: '62,50', Restaurant: '40,00', Bijouterie: '30,00' });

    const campaigns = await csv('campagnes');
    const cached = await sql<{ slug: string; sold: number; redeemed: number }>(`SELECT slug, sold_cents AS sold, redeemed_cents AS redeemed FROM campaigns WHERE status != 'draft'`);
    for (const c of cached) {
      const line = campaigns.find((r) => r[0] === c.slug)!;
      expect(line[4]).toBe(csvEuros(c.sold));
      expect(line[5]).toBe(csvEuros(c.redeemed));
      expect(Number(line[8])).toBe(Math.floor((c.redeemed * 100) / c.sold));
    }

    const weeks = await csv('semaines');
    expect(weeks.length).toBe(27);
    const thisWeek = weekStart(new Date());
    const soldThisWeek = (await sql<{ s: number }>(`SELECT COALESCE(SUM(amount_cents), 0) AS s FROM vouchers WHERE reissued_from IS NULL AND issued_at >= @since`, { since: `${thisWeek}T00:00:00.000Z` }))[0]!.s;
    expect(weeks.at(-1)).toEqual([thisWeek, csvEuros(soldThisWeek), csvEuros(5000 + 1250 + 4000 + 3000)]);
  });

  it('narrows sales and spending to one campaign', async () => {
    const shops = (await csv('commerces', '?campagne=noel-fecamp')).slice(1);
    expect(shops.map((r) => [r[0], r[5]])).toEqual([['bijouterie-falaise', '30,00']]);
    const { html } = await viewer.get('/operateur/impact?campagne=noel-fecamp');
    expect(html).toContain('<option value="noel-fecamp" selected>');
  });

  it('warns at 80 % of the 1 000 000 € ACPR threshold over 12 months', async () => {
    const page = async () => (await viewer.get('/operateur/impact')).html;
    expect(await page()).not.toContain('role="alert"');
    const orderId = (await sql<{ id: string }>(`SELECT id FROM orders ORDER BY id LIMIT 1`))[0]!.id;
    const insert = (id: string, ref: string, amountCents: number, receivedAt: string) =>
      rowsOf(app, `INSERT INTO payments (id, order_id, provider, provider_ref, amount_cents, received_at, journal_id) VALUES (@id, @orderId, 'bank_transfer', @ref, @amountCents, @receivedAt, 'j')`, { id, orderId, ref, amountCents, receivedAt });
    // Over a year ago: not counted.
    await insert('p-old', 'old', 900_000_00, new Date(Date.now() - 400 * 86400_000).toISOString());
    expect(await page()).not.toContain('role="alert"');
    await insert('p-big', 'big', 800_000_00, new Date().toISOString());
    const html = await page();
    expect(html).toContain('Préparez la déclaration');
    expect(html).toContain('ACPR');
  });
});
