import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { browserAvailable, useAppAndBrowser } from '../support/browser';
import { fixedClock } from '../support/test-app';
import { auditHere, describePageAudit } from '../support/page-audit';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)

/**
 * Issue 15: every page that the public, a buyer (order token), an organisation (its link)
 * and a shop's owner and staff see, listed from the router, at 1280 and 320 px: no axe-core
 * WCAG 2.1 A/AA violation and no sideways scroll. The operator's pages: a11y-operator.
 */
describe.runIf(hasBrowser)('accessibility of the public and shop pages (Chromium, axe-core)', () => {
  const env = useAppAndBrowser({ clock: fixedClock(new Date()) }) // settable: the audit's dataset settles a week;

  it('every page of the public, buyers, organisations and shops: zero WCAG 2.1 A/AA violations, no overflow at 320 px', describePageAudit('public+shop', ['anonymous', 'buyer', 'organisation', 'owner', 'staff'], env, { anonymous: 15, buyer: 2, organisation: 2, owner: 6, staff: 4 }), 300_000);

  it('the error page (an unknown campaign, 404) at 1280 and 320 px: zero violations, no overflow', async () => {
    const context = await env.browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    const findings: string[] = [];
    for (const width of [1280, 320]) {
      await page.setViewportSize({ width, height: 800 });
      expect((await page.goto(`${env.app.url}/campagnes/pas-de-campagne-ici`))?.status()).toBe(404);
      findings.push(...(await auditHere(page, '404 page')));
    }
    expect(findings).toEqual([]);
    await context.close();
  }, 60_000);

  it('the till on a phone (360 px, touch): zero violations, no overflow', async () => {
    const context = await env.browser.newContext({ locale: 'fr-FR', viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await context.newPage();
    await page.goto(`${env.app.url}/caisse`);
    await page.getByLabel('Adresse e-mail').fill('vendeur.galerne@demo.bons-locaux.fr');
    await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
    await Promise.all([page.waitForURL(/\/caisse$/), page.getByRole('button', { name: 'Se connecter' }).click()]);
    expect(await auditHere(page, '/caisse on a phone')).toEqual([]);
    await context.close();
  }, 60_000);
});
