import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../server/domain/campaigns/campaign-admin-service';
import { newCampaignValues, parseCampaignForm } from '../../server/domain/campaigns/campaign-form';
import { frameAncestors } from '../../server/config';
import { paidVoucher } from '../support/builders';
import { startTestApp, type TestApp } from '../support/test-app';
import { rowOf, rowsOf } from '../support/backend-query';
import { systemClock } from '../../server/lib/clock';
import { tmpdir } from 'node:os';

let app: TestApp;
beforeAll(async () => {
  // The draft is made before the app starts (on PostgreSQL the data is prepared on SQLite, then copied).
  app = await startTestApp({
    prepare: (database) => {
      const form = parseCampaignForm({ ...newCampaignValues('2026-01-01'), name: 'Brouillon secret', operatorName: 'CCI', target: '1000' });
      createCampaign({ database, clock: systemClock, dataDir: tmpdir() }, form.input!, null, { actor: 'test' });
    },
  });
});
afterAll(() => app.close());

describe('embeddable progress widget', () => {
  it('may be framed by other sites, sets no cookie, runs no script', async () => {
    const res = await fetch(`${app.url}/embed/campaigns/seine-estuaire`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain('frame-ancestors *');
    expect(csp).not.toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('set-cookie')).toBeNull();
    const html = await res.text();
    expect(html).not.toContain('<script');
    expect(html).toContain('/css/embed.css');
    expect(html).toContain('Chèques cadeaux Seine Estuaire');
    expect(html).toMatch(/target="_top"/);
    expect(html).toMatch(/\d+ commerces participants/);
    expect((await fetch(`${app.url}/css/embed.css`)).status).toBe(200);
  });

  it('leaves every other page unframeable', async () => {
    for (const path of ['/', '/campagnes/seine-estuaire', '/operateur/connexion', '/css/embed.css']) {
      const res = await fetch(app.url + path);
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options'), path).toMatch(/DENY|SAMEORIGIN/);
    }
  });

  it('shows live figures (cache keyed by them) and a JSON variant', async () => {
    const before = await (await fetch(`${app.url}/embed/campaigns/seine-estuaire.json`)).json();
    // A sale moves the campaign's sold figure. The test builders sell on SQLite only: on
    // PostgreSQL the figure moves as a sale moves it (the widget and its cache key read just it).
    if (app.pg) await rowsOf(app, `UPDATE campaigns SET sold_cents = sold_cents + 5000 WHERE slug = 'seine-estuaire'`);
    else await paidVoucher(app, 5000);
    const res = await fetch(`${app.url}/embed/campaigns/seine-estuaire.json`);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const after = await res.json();
    expect(after.soldCents).toBe(before.soldCents + 5000);
    const sold = (await rowOf<{ s: number }>(app, `SELECT sold_cents AS s FROM campaigns WHERE slug = 'seine-estuaire'`))!.s;
    expect(after.soldCents).toBe(sold);
    const html = await (await fetch(`${app.url}/embed/campaigns/seine-estuaire`)).text();
    expect(html).toContain(new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(sold / 100));
  });

  it('answers 404 for drafts and unknown campaigns', async () => {
    expect((await fetch(`${app.url}/embed/campaigns/brouillon-secret`)).status).toBe(404);
    expect((await fetch(`${app.url}/embed/campaigns/brouillon-secret.json`)).status).toBe(404);
    expect((await fetch(`${app.url}/embed/campaigns/nope`)).status).toBe(404);
  });

  it("speaks the host page's language (?lang=), never the visitor's browser", async () => {
    const english = { headers: { 'accept-language': 'en-GB,en;q=0.9' } };
    const plain = await fetch(`${app.url}/embed/campaigns/seine-estuaire`, english);
    expect(plain.headers.get('vary') ?? '').not.toMatch(/accept-language/i);
    const fr = await plain.text();
    expect(fr).toMatch(/<html lang="fr"/);
    expect(fr).toMatch(/\d+ commerces participants/);
    const en = await (await fetch(`${app.url}/embed/campaigns/seine-estuaire?lang=en`, { headers: { 'accept-language': 'fr-FR' } })).text();
    expect(en).toMatch(/<html lang="en"/);
    expect(en).not.toMatch(/commerces participants/);
    const notFound = await fetch(`${app.url}/embed/campaigns/nope`, english);
    expect(await notFound.text()).toBe('Cette opération n’existe pas.');
  });

  it('accepts only well-formed frame-ancestors settings', () => {
    expect(frameAncestors(undefined)).toBe('*');
    expect(frameAncestors('https://www.lehavre.fr  https://*.fecamp.fr')).toBe('https://www.lehavre.fr https://*.fecamp.fr');
    expect(() => frameAncestors("https://a.fr; script-src 'unsafe-inline'")).toThrow();
  });
});
