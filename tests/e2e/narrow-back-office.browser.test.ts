import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { DEMO_OPERATOR_PASSWORD } from '../../server/domain/operators/demo-operators';
import { browserAvailable, pageWithConsoleErrors, useAppAndBrowser } from '../support/browser';
import { DEMO_ADMIN_EMAIL } from '../support/operator';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)

/** How far the page reaches sideways: more than the viewport means a horizontal scroll. */
const pageWidth = (page: Page) => page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));

/**
 * Issue 15, item 4, in a real browser on 320 px and 390 px phones: the shop pages (dashboard,
 * team, keys, statements) and the operator's campaign page (with its embed snippet) never
 * scroll sideways, and the shop nav shows « Équipe » and « Se déconnecter » on screen.
 */
describe.runIf(hasBrowser)('back-office pages on a phone (Chromium)', () => {
  const env = useAppAndBrowser();

  it('the shop pages fit 320 and 390 px and their nav keeps « Équipe » and « Se déconnecter » on screen', async () => {
    for (const width of [320, 390]) {
      const { page, context, errors } = await pageWithConsoleErrors(env.browser, { width, height: 740 });
      await page.goto(`${env.app.url}/connexion`);
      await page.getByLabel('E-mail').fill('galerne@demo.bons-locaux.fr');
      await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
      await Promise.all([page.waitForURL((u) => u.pathname !== '/connexion'), page.getByRole('main').getByRole('button', { name: /Se connecter/ }).click()]);
      for (const path of ['/commercant', '/commercant/equipe', '/commercant/cles', '/commercant/releves']) {
        await page.goto(`${env.app.url}${path}`);
        expect(await pageWidth(page), `${path} at ${width} px`).toBeLessThanOrEqual(width);
        const nav = page.getByRole('navigation', { name: 'Espace commerçant' });
        for (const name of ['Équipe', 'Se déconnecter']) {
          const item = nav.getByRole(name === 'Équipe' ? 'link' : 'button', { name });
          const box = await item.boundingBox();
          expect(box, `${name} on ${path}`).not.toBeNull();
          expect(box!.x, `${name} on ${path} at ${width} px`).toBeGreaterThanOrEqual(0);
          expect(box!.x + box!.width, `${name} on ${path} at ${width} px`).toBeLessThanOrEqual(width);
        }
      }
      expect(errors).toEqual([]);
      await context.close();
    }
  }, 60_000);

  it('the operator campaign page fits 320 px, its embed snippet wrapped', async () => {
    const { page, errors } = await pageWithConsoleErrors(env.browser, { width: 320, height: 740 });
    await page.goto(`${env.app.url}/operateur/connexion`);
    await page.getByLabel('E-mail').fill(DEMO_ADMIN_EMAIL);
    await page.getByLabel('Mot de passe').fill(DEMO_OPERATOR_PASSWORD);
    await Promise.all([page.waitForURL(/\/operateur$/), page.getByRole('main').getByRole('button', { name: /Se connecter/ }).click()]);
    await page.goto(`${env.app.url}/operateur/campagnes/seine-estuaire`);
    await page.locator('#embed').waitFor();
    expect(await pageWidth(page)).toBeLessThanOrEqual(320);
    const snippet = (await page.locator('pre.code').boundingBox())!;
    expect(snippet.x + snippet.width).toBeLessThanOrEqual(320);
    expect(errors).toEqual([]);
  }, 60_000);
});
