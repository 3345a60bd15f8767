import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { browserAvailable, pageWithConsoleErrors, useAppAndBrowser } from '../support/browser';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/csv/${name}`, import.meta.url));

describe.runIf(hasBrowser)('a town hall orders in a real browser (Chromium)', () => {
  const env = useAppAndBrowser();

  it('uploads a CSV with two bad rows, reads the report, fixes the file and gets the transfer reference', async () => {
    const { app, browser } = env;
    const { context, page, errors: consoleErrors } = await pageWithConsoleErrors(browser, { width: 1024, height: 900 });
    const orders = () => (app.database.sqlite.prepare('SELECT COUNT(*) n FROM orders').get() as { n: number }).n;
    const ordersBefore = orders();

    await page.goto(`${app.url}/campagnes/seine-estuaire`);
    await page.getByRole('link', { name: 'Commande entreprise / collectivité' }).click();
    await page.getByRole('heading', { name: 'Commande entreprise ou collectivité' }).waitFor();

    // The script shows only what applies: public-body references appear for a town hall.
    const publicRefs = page.getByLabel('Numéro d’engagement ou de bon de commande');
    expect(await publicRefs.isVisible()).toBe(false);
    await page.getByLabel('une collectivité ou un organisme public').check();
    await publicRefs.waitFor({ state: 'visible' });
    expect(await page.getByLabel('Événement').isVisible()).toBe(false);

    await page.getByLabel('Raison sociale ou nom de la collectivité').fill('Mairie de Montivilliers');
    await page.getByLabel('SIRET', { exact: true }).fill('217 644 707 00010');
    await page.getByLabel('Adresse (numéro et rue)').fill('Place François Mitterrand');
    await page.getByLabel('Code postal').fill('76290');
    await page.getByLabel('Ville').fill('Montivilliers');
    await page.getByLabel('Nom de la personne à contacter').fill('Service des affaires sociales');
    await page.getByLabel('Adresse e-mail').fill('social@mairie-exemple.fr');
    await publicRefs.fill('EJ-2026-0077');

    const fileInput = page.getByLabel('Fichier des bénéficiaires');
    expect(await fileInput.isVisible()).toBe(false);
    await page.getByLabel(/Par une liste de bénéficiaires/).check();
    await fileInput.waitFor({ state: 'visible' });
    await fileInput.setInputFiles(fixture('org-two-bad-rows.csv'));
    await page.getByLabel('Virement bancaire').check();
    await page.getByRole('button', { name: 'Passer la commande' }).click();

    // The report, line by line; everything typed is still there; nothing was created.
    await page.getByRole('heading', { name: 'Le fichier contient des erreurs' }).waitFor();
    const rows = page.locator('[data-csv-errors] tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).innerText()).toMatch(/^3\s+E-mail\s+Cette adresse e-mail n’est pas valide\./);
    expect(await rows.nth(1).innerText()).toMatch(/^5\s+Montant\s+Le montant n’est pas un nombre/);
    expect(await page.getByLabel('Raison sociale ou nom de la collectivité').inputValue()).toBe('Mairie de Montivilliers');
    expect(await publicRefs.inputValue()).toBe('EJ-2026-0077');
    expect(await fileInput.isVisible()).toBe(true);
    expect(orders()).toBe(ordersBefore);

    await fileInput.setInputFiles(fixture('org-good.csv'));
    await page.getByRole('button', { name: 'Passer la commande' }).click();

    await page.getByRole('heading', { name: 'Virement à effectuer' }).waitFor();
    const reference = (await page.locator('[data-transfer-reference]').innerText()).trim();
    expect(reference).toMatch(/^VIR[A-Z0-9]+$/);
    expect(await page.locator('[data-transfer-amount]').innerText()).toMatch(/150,00\s€/);
    const order = app.database.sqlite.prepare('SELECT transfer_reference r, status s, purchase_order p FROM orders WHERE buyer_email = ?').get('social@mairie-exemple.fr');
    expect(order).toEqual({ r: reference, s: 'pending_payment', p: 'EJ-2026-0077' });
    expect(orders()).toBe(ordersBefore + 1);

    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await context.close();
  });
});
