import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMerchantBySlug } from '../../server/domain/merchants/merchant-users-repository';
import { setOpeningHours } from '../../server/domain/merchants/opening-hours-service';
import { QueryRecorder } from '../support/query-plans';
import { rowsOf } from '../support/backend-query';
import { fixedClock, FormClient, startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 15: the shop directory of the campaign page works without JavaScript (a GET form
 * filtered by the server), searches names and category words in every language, filters
 * by town, category and « ouvert maintenant » (injected clock), links to directions and
 * makes no third-party request.
 */
// Monday 7 December 2026, 11:00 in Paris: every demo shop is closed on Mondays.
const clock = fixedClock('2026-12-07T10:00:00Z');
let app: TestApp;
const page = async (query = '', headers: Record<string, string> = {}) => {
  const res = await fetch(`${app.url}/campagnes/seine-estuaire${query}`, { headers });
  expect(res.status).toBe(200);
  return res.text();
};
const names = (html: string) => [...html.matchAll(/<span class="merchant-name">(?:<a [^>]*>)?([^<]+)/g)].map((m) => m[1]);

beforeAll(async () => {
  // The hours are set before the app starts: on PostgreSQL the data is prepared on SQLite, then copied.
  app = await startTestApp({
    clock,
    prepare: (database) => {
      const galerne = findMerchantBySlug(database.db, 'librairie-la-galerne')!;
      setOpeningHours({ database, clock }, galerne.id, [{ weekday: 1, opensMinute: 9 * 60, closesMinute: 19 * 60 }], 'test');
    },
  });
});
afterAll(() => app.close());

describe('shop directory', () => {
  it('lists every shop with a search form, a count, directions links and no third-party request', async () => {
    // Handlebars writes « = » in attributes as &#x3D;, which the browser reads back as « = ».
    const html = (await page()).replaceAll('&#x3D;', '=');
    expect(html).toContain('action="/campagnes/seine-estuaire#annuaire"');
    expect(html).toMatch(/<form method="get"[^>]*role="search"/);
    expect(html).toContain('13 commerces trouvés');
    expect(names(html)).toHaveLength(13);
    expect(html).toContain(`href="https://www.openstreetmap.org/directions?to=${encodeURIComponent('148 rue de Paris, 76600 Le Havre')}"`);
    expect(html).toContain(`href="geo:0,0?q=${encodeURIComponent('148 rue de Paris, 76600 Le Havre')}"`);
    // Nothing is loaded from another origin: links only.
    expect(html).not.toMatch(/<(img|script|link|iframe)[^>]+(src|href)="https?:/);
    expect(html).toContain('<script src="/js/directory.js" defer></script>');
    expect((await fetch(`${app.url}/js/directory.js`)).status).toBe(200);
  });

  it('searches names and category words, accents and case aside, in either language', async () => {
    expect(names(await page('?q=galerne'))).toEqual(['Librairie La Galerne']);
    expect(names(await page('?q=LIBRAIRIE'))).toEqual(['Librairie La Galerne']);
    expect(names(await page('?q=bookshop'))).toEqual(['Librairie La Galerne']);
    expect(names(await page('?q=epicerie'))).toEqual(['Le Comptoir Bénédictin']);
    expect(names(await page(`?q=${encodeURIComponent('comptoir bénéd')}`))).toEqual(['Le Comptoir Bénédictin']);
    // Words are matched from their start: « alerne » is not « Galerne ».
    const none = await page('?q=alerne');
    expect(names(none)).toEqual([]);
    expect(none).toContain('0 commerce trouvé');
    expect(none).toContain('Aucun commerce ne correspond');
    const one = await page('?q=galerne');
    expect(one).toContain('1 commerce trouvé');
    expect(one).toContain('value="galerne"');
    expect(one).toContain('Tout afficher');
  });

  it('filters by town and by category, and keeps the choices selected', async () => {
    const honfleur = await page('?ville=Honfleur');
    expect(names(honfleur).sort()).toEqual(['Galerie des Peintres', 'Le Grenier à Sel']);
    expect(honfleur).toContain('<option value="Honfleur" selected>');
    const restaurants = await page(`?categorie=Restaurant&ville=Honfleur`);
    expect(names(restaurants)).toEqual(['Le Grenier à Sel']);
    expect(names(await page('?categorie=Restaurant&ville=Le%20Havre'))).toEqual([]);
    // Malformed parameters are ignored, not an error.
    expect(names(await page('?ville=Honfleur&ville=Fécamp&q[]=x&ouvert=yes'))).toHaveLength(13);
  });

  it('« ouvert maintenant » follows the hours and the injected clock (Paris time)', async () => {
    const monday = await page('?ouvert=1');
    expect(names(monday)).toEqual(['Librairie La Galerne']);
    expect(monday).toContain('jusqu’à 19:00');
    expect(monday).toMatch(/id="dir-open"[^>]* checked/);
    clock.set('2026-12-07T18:00:00Z'); // 19:00 in Paris: closed
    expect(names(await page('?ouvert=1'))).toEqual([]);
    clock.set('2026-12-08T12:30:00Z'); // Tuesday 13:30: only the restaurant (lunch) is open
    expect(names(await page('?ouvert=1'))).toEqual(['Le Grenier à Sel']);
    clock.set('2026-12-08T09:00:00Z'); // Tuesday 10:00: every shop but the restaurant and the bookshop (Mondays only)
    expect(names(await page('?ouvert=1'))).toHaveLength(11);
    const all = await page('?q=galerne');
    expect(all).toContain('Fermé en ce moment');
    clock.set('2026-12-07T10:00:00Z');
  });

  it('speaks English with translated categories', async () => {
    const client = new FormClient(app.url);
    await client.get('/langue/en?back=/');
    const { html: en } = await client.get('/campagnes/seine-estuaire?categorie=Librairie');
    expect(en).toContain('1 shop found');
    expect(en).toContain('<option value="Librairie" selected>Bookshop</option>');
    expect(en).toContain('Directions');
    expect(en).not.toContain('>Librairie</span>');
  });
});

describe('the directory stays fast', () => {
  // SQLite's query plans (EXPLAIN QUERY PLAN on the app's own connection): in the PostgreSQL
  // pass this check opens a SQLite app of its own, so it runs in both passes; PostgreSQL's
  // plans are asserted by scale-query-plans-pg.test.ts.
  it('reads the shops and their hours through indexes (no full scan of shops, links or hours)', async () => {
    const onSqlite = app.pg ? await startTestApp({ clock, backend: 'sqlite' }) : app;
    const recorder = new QueryRecorder(onSqlite.database.sqlite).install();
    try {
      const ran = await recorder.during(async () => {
        const res = await fetch(`${onSqlite.url}/campagnes/seine-estuaire?ouvert=1&q=librairie`);
        expect(res.status).toBe(200);
        await res.text();
      });
      const plans = ran.filter((s) => /merchant_opening_hours|campaign_merchants/.test(s.sql)).map((s) => recorder.plan(s));
      expect(plans.length).toBeGreaterThanOrEqual(2);
      expect(ran.flatMap((s) => recorder.fullScans(s, ['merchants', 'campaign_merchants', 'merchant_opening_hours']))).toEqual([]);
      expect(plans.flat().join('\n')).toContain('sqlite_autoindex_merchant_opening_hours_1');
    } finally {
      recorder.uninstall();
      if (onSqlite !== app) await onSqlite.close();
    }
  });
});

describe('progress bars', () => {
  const setSold = (sold: number, redeemed: number) =>
    rowsOf(app, `UPDATE campaigns SET sold_cents = @sold, redeemed_cents = @redeemed, target_cents = 6000000 WHERE slug = 'seine-estuaire'`, { sold, redeemed });

  it('say 0 % when nothing is sold, « moins de 1 % » for a small share, with text for assistive technology', async () => {
    await setSold(0, 0);
    let html = await page();
    expect(html).toContain('aria-valuenow="0" aria-valuetext="0\u00a0%"');
    expect(html).not.toContain('moins de 1');
    await setSold(5000, 0);
    html = await page();
    expect(html).toContain('<span class="pct">moins de 1\u00a0%</span>');
    expect(html).toContain('aria-valuenow="0" aria-valuetext="moins de 1\u00a0%"');
    expect(html).toContain('fill fill-sold w0 fill-tiny');
    await setSold(3000000, 600000);
    html = await page();
    expect(html).toContain('aria-valuenow="50" aria-valuetext="50\u00a0%"');
    expect(html).toContain('aria-valuenow="10" aria-valuetext="10\u00a0%"');
  });
});
