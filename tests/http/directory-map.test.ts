import { afterAll, describe, expect, it } from 'vitest';
import { rowOf } from '../support/backend-query';
import { DEMO_ADMIN_EMAIL, operatorClient } from '../support/operator';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 15: a map in the shop directory only when the operator configures a tile server;
 * then the CSP's img-src allows exactly that origin. Without it: no map, no third-party request.
 */
const opened: TestApp[] = [];
afterAll(() => Promise.all(opened.map((a) => a.close())));
const imgSrc = (res: Response) => /img-src ([^;]*)/.exec(res.headers.get('content-security-policy')!)![1];
const position = (app: TestApp) => rowOf(app, `SELECT latitude, longitude FROM merchants WHERE slug = 'librairie-la-galerne'`);

describe('directory map', () => {
  it('without MAP_TILE_URL: no map, no position field, img-src our origin only', async () => {
    // A position set before start (on PostgreSQL the data is prepared on SQLite, then copied).
    const app = await startTestApp({
      prepare: (database) => void database.sqlite.prepare(`UPDATE merchants SET latitude = 49.4938, longitude = 0.1077 WHERE slug = 'librairie-la-galerne'`).run(),
    });
    opened.push(app);
    const res = await fetch(`${app.url}/campagnes/seine-estuaire`);
    expect(imgSrc(res)).toBe("'self' data:");
    const html = await res.text();
    expect(html).not.toContain('shop-map');
    const admin = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    expect((await admin.get('/operateur/commerces/librairie-la-galerne')).html).not.toContain('name="latitude"');
  });

  it('with MAP_TILE_URL: positions are entered with the hours, the plan shows, img-src allows exactly the tile origin', async () => {
    const app = await startTestApp({ env: { MAP_TILE_URL: 'https://tiles.example.org/osm/{z}/{x}/{y}.png', MAP_ATTRIBUTION: '© les contributeurs d’OpenStreetMap' } });
    opened.push(app);
    const admin = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const page = await admin.get('/operateur/commerces/librairie-la-galerne');
    expect(page.html).toContain('name="latitude"');
    const before = await position(app);
    const half = await admin.post('/operateur/commerces/librairie-la-galerne/horaires', { h2_0_opens: '09:00', h2_0_closes: '12:00', latitude: '48,853' }, page.html);
    expect(half.res.status).toBe(422);
    expect(half.html).toContain('Saisissez la latitude et la longitude, ou aucune des deux.');
    const far = await admin.post('/operateur/commerces/librairie-la-galerne/horaires', { latitude: '91', longitude: '2' }, page.html);
    expect(far.res.status).toBe(422);
    expect(await position(app)).toEqual(before);
    const ok = await admin.post('/operateur/commerces/librairie-la-galerne/horaires', { h2_0_opens: '09:00', h2_0_closes: '12:00', latitude: '48,853', longitude: '2.3499' }, page.html);
    expect(ok.res.status).toBe(303);
    expect(await position(app)).toEqual({ latitude: 48.853, longitude: 2.3499 });
    const audit = await rowOf<{ after: string }>(app, `SELECT a.after FROM audit_log a JOIN merchants m ON m.id = a.entity_id
      WHERE a.action = 'merchant.hours' AND m.slug = 'librairie-la-galerne'`);
    expect(audit?.after).toContain('48.853');

    const res = await fetch(`${app.url}/campagnes/seine-estuaire`);
    expect(imgSrc(res)).toBe("'self' data: https://tiles.example.org");
    const html = (await res.text()).replaceAll('&#x3D;', '=');
    expect(html).toContain('<img src="https://tiles.example.org/osm/17/66391/45094.png" alt="Plan autour de Librairie La Galerne"');
    expect(html).toContain('class="map-pin mc9 mr7"');
    expect(html).toContain('Fond de carte\u00a0: © les contributeurs d’OpenStreetMap');
    // Only shops with a position get a plan.
    expect(html.match(/class="shop-map"/g)).toHaveLength(1);
  });
});
