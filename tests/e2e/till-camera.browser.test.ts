import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { CODE_ALPHABET, formatCode, generateCode } from '../../server/lib/codes';
import { browserAvailable, launchChromium } from '../support/browser';
import { paidVoucher } from '../support/builders';
import { fakeCameraArgs, qrCameraFile } from '../support/fake-camera';
import { startTestApp, type TestApp } from '../support/test-app';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)
const SHOTS = process.env.TILL_SHOTS_DIR ?? '/tmp';
const OWNER = { email: 'galerne@demo.bons-locaux.fr', password: 'demo-commerce-2026' };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

async function signedInTill(browser: Browser, options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page; consoleErrors: string[] }> {
  const context = await browser.newContext({ locale: 'fr-FR', ...PHONE, ...options });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(`${app.url}/caisse`);
  expect(page.url()).toContain('/connexion');
  await page.getByLabel('Adresse e-mail').fill(OWNER.email);
  await page.getByLabel('Mot de passe').fill(OWNER.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/\/caisse$/);
  await page.getByRole('heading', { name: 'Encaisser un bon' }).waitFor();
  return { context, page, consoleErrors };
}

const text = (page: Page, sel: string) => page.locator(sel).innerText();
const visible = (page: Page, name: string | RegExp, role: 'heading' | 'button' = 'heading') => page.getByRole(role, { name }).waitFor({ state: 'visible', timeout: 15_000 });
const euros = (s: string) => s.replace(/\s/g, ' ');
const redemptionsOf = (code: string) =>
  app.database.sqlite.prepare(`SELECT r.amount_cents AS amountCents, r.status FROM redemptions r JOIN vouchers v ON v.id = r.voucher_id WHERE v.code = ? ORDER BY r.number`).all(code) as {
    amountCents: number;
    status: string;
  }[];

let app: TestApp;
let dir: string;

describe.runIf(hasBrowser)('the till in a real browser (Chromium, phone screen)', () => {
  beforeAll(async () => {
    app = await startTestApp();
    dir = mkdtempSync(join(tmpdir(), 'till-camera-'));
  });
  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scans a voucher’s QR code with the camera, takes 12,50 €, shows the new balance and the operation number, then cancels it', async () => {
    const deps = { database: app.database, clock: app.clock, baseUrl: app.url };
    const voucher = await paidVoucher(deps, 20_00);
    const camera = await qrCameraFile(`${app.url}/v/${voucher.code}`, dir);
    const { browser, close } = await launchChromium(fakeCameraArgs(camera));
    try {
      const { context, page, consoleErrors } = await signedInTill(browser);
      await page.screenshot({ path: join(SHOTS, 'till-1-start.png') });

      await page.getByRole('button', { name: 'Scanner le QR code' }).click();
      await visible(page, 'Bon valable');
      expect(euros(await text(page, '[data-v-balance]'))).toBe('20,00 €');
      expect(await text(page, '[data-v-code]')).toBe(voucher.formatted);
      expect(await text(page, '.voucher-panel')).toContain('Chèques cadeaux Seine Estuaire');
      // The camera is off once the voucher is found; the amount field has the focus.
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('till-amount');

      await page.getByLabel('Montant de l’achat').fill('12,50');
      expect(euros(await text(page, '[data-split-debit]'))).toBe('12,50 €');
      expect(euros(await text(page, '[data-split-after]'))).toBe('7,50 €');
      await page.screenshot({ path: join(SHOTS, 'till-2-voucher.png') });

      await page.getByRole('button', { name: /Débiter 12,50/ }).click();
      await visible(page, 'Paiement accepté');
      expect(euros(await text(page, '[data-done-taken]'))).toBe('12,50 €');
      expect(euros(await text(page, '[data-done-balance]'))).toBe('7,50 €');
      expect(await text(page, '[data-done-number]')).toMatch(/^\d+$/);
      expect(await page.getByRole('button', { name: 'Annuler cette opération' }).isVisible()).toBe(true);
      await page.screenshot({ path: join(SHOTS, 'till-3-done.png') });

      expect(redemptionsOf(voucher.code)).toEqual([{ amountCents: 1250, status: 'completed' }]);
      expect(checkLedger(app.database)).toEqual([]);

      // Cancel within the window: asked once more, then the balance is restored.
      await page.getByRole('button', { name: 'Annuler cette opération' }).click();
      await page.getByRole('button', { name: 'Oui, annuler' }).click();
      await visible(page, 'Opération annulée');
      expect(await text(page, '[data-voided-text]')).toMatch(/Solde rétabli\s:\s20,00\s€/);
      await page.screenshot({ path: join(SHOTS, 'till-4-voided.png') });
      expect(redemptionsOf(voucher.code)).toEqual([{ amountCents: 1250, status: 'voided' }]);
      expect(checkLedger(app.database)).toEqual([]);

      // "Nouveau bon" goes straight back to scanning (the camera was in use).
      await page.getByRole('button', { name: 'Nouveau bon' }).click();
      await visible(page, 'Bon valable');
      expect(euros(await text(page, '[data-v-balance]'))).toBe('20,00 €');

      expect(consoleErrors).toEqual([]);
      await context.close();
    } finally {
      await close();
    }
  });

  it('keeps scanning past a QR code that is not a voucher, and the camera can be stopped', async () => {
    const camera = await qrCameraFile('https://example.org/menu-du-jour', dir, 'not-a-voucher');
    const { browser, close } = await launchChromium(fakeCameraArgs(camera));
    try {
      const { context, page, consoleErrors } = await signedInTill(browser);
      await page.getByRole('button', { name: 'Scanner le QR code' }).click();
      const note = page.locator('[data-camera-msg]');
      await note.waitFor({ state: 'visible', timeout: 15_000 });
      expect(await note.innerText()).toBe('Ce QR code n’est pas celui d’un bon d’achat.');
      await page.waitForFunction(() => (document.querySelector('[data-video]') as HTMLVideoElement).videoWidth > 0);
      expect(await page.locator('[data-scanner]').isVisible()).toBe(true);
      await page.screenshot({ path: join(SHOTS, 'till-0-scanning.png') });
      await page.getByRole('button', { name: 'Arrêter la caméra' }).click();
      expect(await page.locator('[data-scanner]').isVisible()).toBe(false);
      expect(await page.evaluate(() => (document.querySelector('[data-video]') as HTMLVideoElement).srcObject)).toBeNull();
      expect(consoleErrors).toEqual([]);
      await context.close();
    } finally {
      await close();
    }
  });

  it('without a camera: says so plainly, and typed codes are checked — mistyped, unknown, other scheme, partial payment retried after a dropped connection', async () => {
    const deps = { database: app.database, clock: app.clock, baseUrl: app.url };
    const voucher = await paidVoucher(deps, 20_00);
    const elsewhere = await paidVoucher(deps, 15_00, 'noel-fecamp');
    const { browser, close } = await launchChromium();
    try {
      const { context, page, consoleErrors } = await signedInTill(browser);

      // No camera on this machine: a plain message, and typing still works.
      await page.getByRole('button', { name: 'Scanner le QR code' }).click();
      const note = page.locator('[data-camera-msg]');
      await note.waitFor({ state: 'visible' });
      expect(await note.innerText()).toMatch(/caméra/i);
      expect(await note.innerText()).toMatch(/tapez le code/i);

      const typeCode = async (code: string) => {
        await page.getByLabel('Code du bon').fill(code);
        await page.getByRole('button', { name: 'Vérifier le bon' }).click();
      };

      // One wrong character: the check character catches it.
      const i = 7;
      const wrong = CODE_ALPHABET[(CODE_ALPHABET.indexOf(voucher.code[i]!) + 1) % CODE_ALPHABET.length]!;
      await typeCode(formatCode(voucher.code.slice(0, i) + wrong + voucher.code.slice(i + 1)));
      const error = page.locator('[data-code-error]');
      await error.waitFor({ state: 'visible' });
      expect(await error.innerText()).toContain('Code mal saisi');
      expect(await error.innerText()).toMatch(/mal saisi/);
      expect(await page.getByLabel('Code du bon').getAttribute('aria-invalid')).toBe('true');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('till-code');
      await page.screenshot({ path: join(SHOTS, 'till-5-mistyped.png') });

      // A well-formed code that no voucher has.
      let unknown = generateCode();
      while (unknown === voucher.code || unknown === elsewhere.code) unknown = generateCode();
      await typeCode(formatCode(unknown));
      await expect.poll(() => error.innerText()).toContain('Bon inconnu');
      expect(await error.innerText()).toContain('introuvable');

      // A voucher of a scheme this shop is not part of.
      await typeCode(elsewhere.formatted);
      await visible(page, 'Bon non accepté ici');
      expect(await text(page, '[data-step="refused"]')).toContain('Noël à Fécamp');
      await page.screenshot({ path: join(SHOTS, 'till-6-refused.png') });
      await page.getByRole('button', { name: 'Nouveau bon' }).click();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('till-code');

      // Typed in lower case without dashes; a 25 € purchase on a 20 € voucher.
      await typeCode(voucher.code.toLowerCase());
      await visible(page, 'Bon valable');
      await page.getByLabel('Montant de l’achat').fill('25');
      expect(euros(await text(page, '[data-split-debit]'))).toBe('20,00 €');
      expect(euros(await text(page, '[data-split-rest]'))).toBe('5,00 €');
      await page.screenshot({ path: join(SHOTS, 'till-7-partial.png') });

      // The connection drops after the server took the amount: the retry reuses the key.
      let dropped = 0;
      const keys: string[] = [];
      await page.route('**/api/v1/redemptions', async (route) => {
        keys.push(JSON.parse(route.request().postData() ?? '{}').idempotencyKey);
        if (dropped++ === 0) {
          await route.fetch();
          return route.abort('connectionreset');
        }
        return route.continue();
      });
      await page.getByRole('button', { name: /Débiter 20,00/ }).click();
      const confirmError = page.locator('[data-confirm-error]');
      await confirmError.waitFor({ state: 'visible' });
      expect(await confirmError.innerText()).toContain('jamais débité deux fois');
      expect(await page.getByLabel('Montant de l’achat').getAttribute('readonly')).not.toBeNull();
      await page.screenshot({ path: join(SHOTS, 'till-8-retry.png') });
      await page.getByRole('button', { name: /Réessayer le débit de 20,00/ }).click();
      await visible(page, 'Paiement accepté');
      expect(keys).toHaveLength(2);
      expect(keys[1]).toBe(keys[0]);
      expect(euros(await text(page, '[data-done-balance]'))).toBe('0,00 €');
      expect(euros(await text(page, '[data-done-rest]'))).toContain('5,00 €');
      await page.screenshot({ path: join(SHOTS, 'till-9-done-partial.png') });
      expect(redemptionsOf(voucher.code)).toEqual([{ amountCents: 2000, status: 'completed' }]);
      expect(checkLedger(app.database)).toEqual([]);

      // The same voucher again: fully used.
      await page.unroute('**/api/v1/redemptions');
      await page.getByRole('button', { name: 'Nouveau bon' }).click();
      await typeCode(voucher.formatted);
      await visible(page, 'Bon déjà utilisé');

      // A tablet shows the steps side by side.
      await page.setViewportSize({ width: 820, height: 1180 });
      await page.getByRole('button', { name: 'Nouveau bon' }).click();
      await page.screenshot({ path: join(SHOTS, 'till-10-tablet.png') });

      expect(consoleErrors.filter((e) => !/Failed to load resource|ERR_CONNECTION_RESET|status of 4\d\d/.test(e))).toEqual([]);
      await context.close();
    } finally {
      await close();
    }
  });
});
