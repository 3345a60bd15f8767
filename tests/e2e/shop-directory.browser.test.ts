import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { browserAvailable, pageWithConsoleErrors, useAppAndBrowser } from '../support/browser';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const pageWidth = (page: Page) => page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));

/** axe-core's WCAG 2.1 A and AA rules on the part of the page this feature owns. */
async function axeViolations(page: Page, selector: string): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (no inline script) stays as it is.
  await page.evaluate(axeSource);
  return page.evaluate(async (sel) => {
    const axe = (window as unknown as { axe: { run: (c: unknown, o: unknown) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(sel, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, selector);
}

/**
 * Issue 15 in Chromium on a 320 px phone: the shop directory and the progress bars pass
 * axe (WCAG 2.1 A/AA) and do not scroll sideways, the page requests nothing from another
 * origin, and the script submits the filters as soon as one changes. The owner's hours
 * page passes the same checks.
 */
describe.runIf(hasBrowser)('shop directory on a phone (Chromium)', () => {
  const env = useAppAndBrowser();

  it('is accessible, fits 320 px, stays on our origin and filters on change', async () => {
    const { page, context, errors } = await pageWithConsoleErrors(env.browser, { width: 320, height: 740 });
    const origins = new Set<string>();
    page.on('request', (r) => origins.add(new URL(r.url()).origin));
    await page.goto(`${env.app.url}/campagnes/seine-estuaire`);
    expect(await pageWidth(page)).toBeLessThanOrEqual(320);
    expect(await axeViolations(page, '.directory-form, .directory-count, .towns, .progress')).toEqual([]);
    await page.locator('details.merchant-hours summary').first().click();
    expect(await axeViolations(page, '.towns')).toEqual([]);
    await Promise.all([page.waitForURL(/ville=Honfleur/), page.getByLabel('Ville').selectOption('Honfleur')]);
    await expect.poll(() => page.locator('.merchant-name').count()).toBe(2);
    expect(await page.locator('.directory-count').textContent()).toContain('2 commerces trouvés');
    expect(await pageWidth(page)).toBeLessThanOrEqual(320);
    expect([...origins].filter((o) => o !== env.app.url && !o.startsWith('data:'))).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the owner’s hours page is accessible and fits 320 px', async () => {
    const { page, context, errors } = await pageWithConsoleErrors(env.browser, { width: 320, height: 740 });
    await page.goto(`${env.app.url}/connexion`);
    await page.getByLabel('E-mail').fill('galerne@demo.bons-locaux.fr');
    await page.getByLabel('Mot de passe').fill(DEMO_PASSWORD);
    await Promise.all([page.waitForURL((u) => u.pathname !== '/connexion'), page.getByRole('main').getByRole('button', { name: /Se connecter/ }).click()]);
    await page.goto(`${env.app.url}/commercant/horaires`);
    expect(await pageWidth(page)).toBeLessThanOrEqual(320);
    expect(await axeViolations(page, 'main')).toEqual([]);
    await page.locator('#hours-h5_0_opens').fill('18:00');
    await page.locator('#hours-h5_0_closes').fill('02:00');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Enregistrer les horaires' }).click()]);
    await expect.poll(() => page.locator('#hours-h5_0_closes-error').count()).toBe(1);
    expect(await axeViolations(page, 'main')).toEqual([]);
    expect(await pageWidth(page)).toBeLessThanOrEqual(320);
    expect(errors.filter((e) => !e.includes('422'))).toEqual([]);
    await context.close();
  });
});
