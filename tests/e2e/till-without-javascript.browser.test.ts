/**
 * Issue 15, item 4 (real Chromium with JavaScript turned off): the till used to show a bare
 * form whose GET submission put the voucher's code in the URL and then showed nothing. Now
 * it says it needs JavaScript, its forms post, and no code ever reaches a URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchChromium } from '../support/browser';
import { paidVoucher } from '../support/builders';
import { startTestApp, type TestApp } from '../support/test-app';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)
const OWNER = { email: 'galerne@demo.bons-locaux.fr', password: 'demo-commerce-2026' };

describe.runIf(hasBrowser)('the till without JavaScript', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.close());

  it('explains that it needs JavaScript and never puts the code in a URL', async () => {
    const v = await paidVoucher({ database: app.database, clock: app.clock, baseUrl: app.url }, 20_00);
    const { browser, close } = await launchChromium();
    try {
      const context = await browser.newContext({ locale: 'fr-FR', javaScriptEnabled: false });
      const page = await context.newPage();
      const urls: string[] = [];
      page.on('request', (r) => urls.push(r.url()));
      await page.goto(`${app.url}/caisse`);
      await page.getByLabel('Adresse e-mail').fill(OWNER.email);
      await page.getByLabel('Mot de passe').fill(OWNER.password);
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.waitForURL(/\/caisse$/);
      const notice = page.getByRole('alert').filter({ hasText: 'La caisse a besoin de JavaScript' });
      expect(await notice.isVisible()).toBe(true);

      await page.getByLabel('Code du bon').fill(v.formatted);
      await page.getByRole('button', { name: 'Vérifier le bon' }).click();
      await page.waitForLoadState('load');
      expect(new URL(page.url()).pathname).toBe('/caisse');
      expect(await notice.isVisible()).toBe(true);
      const raw = v.formatted.replace(/-/g, '');
      for (const u of urls) {
        expect(decodeURIComponent(u).replace(/-/g, ''), u).not.toContain(raw);
      }
      // Nothing was taken from the voucher.
      const taken = app.database.sqlite.prepare(`SELECT COUNT(*) FROM redemptions WHERE voucher_id = ?`).pluck().get(v.id);
      expect(taken).toBe(0);
    } finally {
      await close();
    }
  }, 60_000);
});
