/**
 * Issue 12, finding 1 at the till (real Chromium): the shop cancels an operation after the
 * voucher was replaced by support, then after it was refunded to the buyer. The till says
 * where the money went, or why it cannot cancel, in plain words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { refundUnusedVouchers } from '../../server/domain/orders/refunds-service';
import { blockVoucher, reissueVoucher } from '../../server/domain/vouchers/support-service';
import { createLogger } from '../../server/lib/logger';
import { browserAvailable, launchChromium } from '../support/browser';
import { paidVoucher, voucherState, type BuiltVoucher } from '../support/builders';
import { startTestApp, type TestApp } from '../support/test-app';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)
const OWNER = { email: 'galerne@demo.bons-locaux.fr', password: 'demo-commerce-2026' };
let app: TestApp;

async function take(page: Page, v: BuiltVoucher, euros: string) {
  await page.getByLabel('Code du bon').fill(v.formatted);
  await page.getByRole('button', { name: 'Vérifier le bon' }).click();
  await page.getByRole('heading', { name: 'Bon valable' }).waitFor({ timeout: 15_000 });
  await page.getByLabel('Montant de l’achat').fill(euros);
  await page.getByRole('button', { name: new RegExp(`Débiter ${euros}`) }).click();
  await page.getByRole('heading', { name: 'Paiement accepté' }).waitFor({ timeout: 15_000 });
}
async function cancelOperation(page: Page) {
  await page.getByRole('button', { name: 'Annuler cette opération' }).click();
  await page.getByRole('button', { name: 'Oui, annuler' }).click();
}

describe.runIf(hasBrowser)('the till cancels an operation after the voucher was cancelled', () => {
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.close());

  it('credits the replacement after a reissue, and refuses after a refund, explaining both', async () => {
    const deps = { database: app.database, clock: app.clock, baseUrl: app.url };
    const lost = await paidVoucher(deps, 20_00);
    const refunded = await paidVoucher(deps, 20_00);
    const { browser, close } = await launchChromium();
    try {
      const context = await browser.newContext({ locale: 'fr-FR' });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${app.url}/caisse`);
      await page.getByLabel('Adresse e-mail').fill(OWNER.email);
      await page.getByLabel('Mot de passe').fill(OWNER.password);
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.waitForURL(/\/caisse$/);

      // Reissued while the customer is still at the counter: the 5 € go to the new code.
      await take(page, lost, '5');
      blockVoucher(app, { voucherId: lost.id, actor: 'support', reason: 'lost' });
      const { reissued } = reissueVoucher(app, { voucherId: lost.id, actor: 'support' });
      await cancelOperation(page);
      await page.getByRole('heading', { name: 'Opération annulée' }).waitFor({ timeout: 15_000 });
      expect(await page.locator('[data-voided-text]').innerText()).toContain('recrédité sur le bon de remplacement');
      expect(voucherState(app.database, reissued.code)).toEqual({ balanceCents: 20_00, status: 'active' });

      // Refunded to the buyer meanwhile: the operation stays, and the till says why.
      await page.getByRole('button', { name: 'Nouveau bon' }).click();
      await take(page, refunded, '12');
      await refundUnusedVouchers({ database: app.database, clock: app.clock, payments: app.payments, logger: createLogger('silent') }, { orderId: refunded.orderId, actor: 'operator', reason: 'test' });
      await cancelOperation(page);
      const error = page.locator('[data-void-error]');
      await error.waitFor({ state: 'visible', timeout: 15_000 });
      expect(await error.innerText()).toMatch(/annulé depuis .*ne peut plus être annulée/);
      expect(voucherState(app.database, refunded.code)).toEqual({ balanceCents: 0, status: 'cancelled' });
      expect(checkLedger(app.database)).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await close();
    }
  });
});
