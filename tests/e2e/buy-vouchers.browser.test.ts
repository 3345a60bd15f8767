import { describe, expect, it } from 'vitest';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { browserAvailable, pageWithConsoleErrors, useAppAndBrowser } from '../support/browser';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)

describe.runIf(hasBrowser)('a buyer in a real browser (Chromium)', () => {
  const env = useAppAndBrowser();

  it('buys 2 vouchers with the demo provider, opens one and reads its QR code back', async () => {
    const { app, browser } = env;
    const { context, page, errors: cspErrors } = await pageWithConsoleErrors(browser, { width: 390, height: 844 });

    await page.goto(`${app.url}/`);
    await page.getByRole('link', { name: 'Chèques cadeaux Seine Estuaire' }).click();
    await page.getByRole('link', { name: 'Acheter des bons' }).click();

    await page.getByLabel('Montant', { exact: true }).first().selectOption('20.00');
    await page.getByLabel('Quantité').first().fill('2');
    await expect.poll(() => page.locator('[data-total]').textContent()).toMatch(/40,00\s€/);
    await page.getByText('C’est un cadeau ?').first().click();
    await page.getByLabel('Nom du bénéficiaire (facultatif)').first().fill('Camille');
    await page.getByLabel('Nom et prénom').fill('Marie Curie');
    await page.getByLabel('Adresse e-mail').fill('marie@example.org');
    await page.getByRole('button', { name: 'Payer par carte' }).click();

    await expect.poll(() => page.textContent('body')).toContain('Mode démonstration');
    await page.getByRole('button', { name: 'Simuler un paiement réussi' }).click();
    await page.getByText('Paiement confirmé, vos bons sont prêts !').waitFor();
    const links = page.getByRole('link', { name: 'Ouvrir le bon' });
    expect(await links.count()).toBe(2);

    await links.first().click();
    await page.getByText('Solde disponible').waitFor();
    expect(await page.textContent('body')).toMatch(/20,00\s€/);
    const qr = page.locator('[data-voucher-qr]');
    await qr.evaluate((img: HTMLImageElement) => img.decode());
    const shot = PNG.sync.read(await qr.screenshot());
    const decoded = jsQR(new Uint8ClampedArray(shot.data.buffer, shot.data.byteOffset, shot.data.length), shot.width, shot.height);
    expect(decoded).not.toBeNull();
    const code = page.url().split('/v/')[1]!.replace(/-/g, '');
    expect(decoded!.data).toBe(`${app.url}/v/${code}`);

    const row = app.database.sqlite.prepare('SELECT COUNT(*) n FROM vouchers v JOIN orders o ON o.id = v.order_id WHERE o.buyer_email = ?').get('marie@example.org') as { n: number };
    expect(row.n).toBe(2);
    expect(cspErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await context.close();
  });
});
