import { describe, expect, it } from 'vitest';
import { browserAvailable, pageWithConsoleErrors, useAppAndBrowser } from '../support/browser';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)

/**
 * Issue 15, item 1, in a real browser on a 320 px phone: from the footer of a public page and
 * a form page, each legal link is visible, inside the page's width,
 * and opens its page; the consent links of the order and application forms lead to the terms.
 */
describe.runIf(hasBrowser)('legal pages from the footer (Chromium)', () => {
  const env = useAppAndBrowser();
  const FOOTER: Array<[RegExp, string]> = [
    [/^Mentions légales$/, 'Mentions légales'],
    [/^Conditions de vente et d’utilisation des bons$/, 'Conditions de vente et d’utilisation des bons'],
    [/^Politique de confidentialité$/, 'Politique de confidentialité'],
    [/^Accessibilité\s:\snon conforme$/, 'Déclaration d’accessibilité'],
  ];

  it('opens every legal page from the footer of every kind of page', async () => {
    const { page, errors } = await pageWithConsoleErrors(env.browser, { width: 320, height: 700 });
    for (const start of ['/', '/campagnes/seine-estuaire/commander']) {
      for (const [link, heading] of FOOTER) {
        await page.goto(`${env.app.url}${start}`);
        const footerNav = page.getByRole('contentinfo').getByRole('navigation', { name: 'Informations légales' });
        const a = footerNav.getByRole('link', { name: link });
        await a.scrollIntoViewIfNeeded();
        expect(await a.isVisible(), `${start} ${link}`).toBe(true);
        const box = (await a.boundingBox())!;
        expect(box.x + box.width, `${start} ${link} fits in 320 px`).toBeLessThanOrEqual(320);
        await a.click();
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      }
    }
    expect(errors).toEqual([]);
  }, 60_000); // eight page loads and clicks on a shared 2-core machine

  it('leads from the consent of the order and application forms to the terms', async () => {
    const { page, errors } = await pageWithConsoleErrors(env.browser, { width: 390, height: 800 });
    await page.goto(`${env.app.url}/campagnes/seine-estuaire/commander`);
    await page.getByRole('main').getByRole('link', { name: 'Conditions de vente et d’utilisation des bons' }).click();
    await page.getByRole('heading', { level: 2, name: 'Droit de rétractation' }).waitFor();
    await page.goto(`${env.app.url}/commercants/candidature`);
    const consent = page.getByRole('checkbox', { name: /J’accepte les conditions du programme/ });
    expect(await consent.getAttribute('aria-describedby')).toBe('consent-links');
    await page.getByRole('main').getByRole('link', { name: 'Conditions de participation des commerces' }).click();
    await page.getByRole('heading', { level: 1, name: 'Conditions de participation des commerces' }).waitFor();
    expect(errors).toEqual([]);
  });
});
