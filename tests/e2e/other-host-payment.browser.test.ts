import { describe, expect, it } from 'vitest';
import { browserAvailable, pageWithConsoleErrors, useAppAndBrowser } from '../support/browser';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)

/**
 * Issue 15, item 4: with BASE_URL on one name of the server and the page opened on another
 * (here BASE_URL says 127.0.0.1, the buyer typed localhost), « Payer par carte » did nothing:
 * CSP form-action 'self' blocked the redirect to BASE_URL's checkout, silently, while each
 * click left a pending order behind. Now the click leads to the checkout and the order page.
 */
describe.runIf(hasBrowser)('paying from a page opened on another host name (Chromium)', () => {
  const env = useAppAndBrowser();

  it('reaches the checkout and the paid order, one order for one click', async () => {
    const { app, browser } = env;
    const other = app.url.replace('127.0.0.1', 'localhost');
    expect(other).not.toBe(app.url);
    const { context, page, errors } = await pageWithConsoleErrors(browser, { width: 390, height: 844 });
    const orders = () => app.database.sqlite.prepare('SELECT COUNT(*) FROM orders WHERE buyer_email = ?').pluck().get('autre-hote@example.org') as number;

    await page.goto(`${other}/campagnes/seine-estuaire/commander`);
    await page.getByLabel('Montant', { exact: true }).first().selectOption('20.00');
    await page.getByLabel('Nom et prénom').fill('Ada Lovelace');
    await page.getByLabel('Adresse e-mail').fill('autre-hote@example.org');
    await page.getByRole('button', { name: 'Payer par carte' }).click();

    await page.getByRole('button', { name: 'Simuler un paiement réussi' }).waitFor({ timeout: 15_000 });
    expect(orders()).toBe(1);
    await page.getByRole('button', { name: 'Simuler un paiement réussi' }).click();
    await page.getByText('Paiement confirmé, vos bons sont prêts !').waitFor({ timeout: 15_000 });
    expect(orders()).toBe(1);
    expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await context.close();
  }, 60_000);
});
