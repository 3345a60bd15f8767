import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_OPERATOR_PASSWORD } from '../../server/domain/operators/demo-operators';
import { browserAvailable, pageWithConsoleErrors, useAppAndBrowser } from '../support/browser';
import { DEMO_ADMIN_EMAIL } from '../support/operator';
import { solidPng } from '../support/png';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2.1 A/AA violations on the page (evaluated through the DevTools protocol, which the CSP does not block). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const ids = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => `${v.id} ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  });
  return ids;
}
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/**
 * Issue 15, item 2, in Chromium on a 320 px phone: an admin sets the brand through the form
 * (a logo file), the form and a branded public page pass axe-core WCAG 2.1 A/AA and do not
 * overflow, the served stylesheet applies under the CSP (no console error) and the logo loads.
 */
describe.runIf(hasBrowser)('operator brand (Chromium)', () => {
  const env = useAppAndBrowser();

  it('is set through the form and shows on the public pages', async () => {
    // The refused save answers 422 on purpose: Chromium logs that status.
    const { page, errors } = await pageWithConsoleErrors(env.browser, { width: 320, height: 700 }, (text) => text.includes('status of 422'));
    await page.goto(`${env.app.url}/operateur/connexion`);
    await page.getByLabel('E-mail').fill(DEMO_ADMIN_EMAIL);
    await page.getByLabel('Mot de passe').fill(DEMO_OPERATOR_PASSWORD);
    await Promise.all([page.waitForURL(/\/operateur$/), page.getByRole('button', { name: 'Se connecter' }).click()]);
    await page.goto(`${env.app.url}/operateur/identite-visuelle`);
    expect(await axeViolations(page)).toEqual([]);
    expect(await overflow(page)).toBeLessThanOrEqual(0);

    await page.getByLabel('Nom du dispositif').fill('Bons de Fécamp');
    await page.getByLabel('Couleur principale').fill('#0b5d3b');
    await page.getByLabel('Couleur d’accent').fill('#fbbf24');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByRole('alert').first().waitFor();
    expect(await page.getByLabel('Couleur d’accent').getAttribute('aria-invalid')).toBe('true');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByLabel('Couleur d’accent').fill('#a4370b');
    await page.locator('#b_logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: solidPng(80, 40, [180, 20, 40, 255]) });
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('Identité visuelle enregistrée.').waitFor();

    await page.goto(`${env.app.url}/`);
    expect(await page.locator('header .brand span').textContent()).toBe('Bons de Fécamp');
    expect(await page.locator('header .brand-logo').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(80);
    // The brand stylesheet overrides the colours (no inline style: the CSP would refuse it).
    expect(await page.locator('.lang span[aria-current]').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(11, 93, 59)');
    expect(await axeViolations(page)).toEqual([]);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
  }, 90_000);
});
