import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { browserAvailable, pageWithConsoleErrors, useAppAndBrowser } from '../support/browser';
import { paidVoucher, voucherState } from '../support/builders';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)

/**
 * Issue 15: buying vouchers and taking one at the till with the keyboard only (Tab, Enter,
 * Space, arrows and typing; no click, no fill). Every element that receives focus on the way
 * must show it: an outline or a box-shadow drawn while it matches :focus-visible.
 */

/** What is wrong with the focused element's focus indicator, or null when it is visible. */
async function focusProblem(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'focus is on the body (lost)';
    const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} « ${(el.textContent ?? '').trim().slice(0, 40)} »`;
    if (!el.matches(':focus-visible')) return `${name} does not match :focus-visible`;
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1;
    const shadow = s.boxShadow !== 'none';
    if (!outline && !shadow) return `${name} has neither an outline nor a box-shadow when focused`;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return `${name} is focused but not displayed`;
    return null;
  });
}

/** Presses Tab until `target` has the focus (it may have it already), checking the indicator at every stop. */
async function tabTo(page: Page, target: Locator, max = 80): Promise<void> {
  await target.waitFor();
  const focused = () => target.evaluate((el) => el === document.activeElement);
  for (let i = 0; i < max; i++) {
    // A script may have moved the focus there already (the till focuses the next field).
    if (await focused()) {
      expect(await focusProblem(page), `${target}, focused`).toBeNull();
      return;
    }
    await page.keyboard.press('Tab');
    expect(await focusProblem(page), `after ${i + 1} Tab(s) towards ${target}`).toBeNull();
  }
  throw new Error(`${target} never received the focus in ${max} Tabs`);
}

describe.runIf(hasBrowser)('keyboard only (Chromium)', () => {
  const env = useAppAndBrowser();

  it('buys vouchers from the home page to the order page: Tab, Enter, Space and typing, focus always visible', async () => {
    const { page, context, errors } = await pageWithConsoleErrors(env.browser, { width: 1280, height: 900 });
    await page.goto(`${env.app.url}/`);

    await tabTo(page, page.getByRole('link', { name: 'Chèques cadeaux Seine Estuaire' }).first());
    await Promise.all([page.waitForURL(/\/campagnes\/seine-estuaire$/), page.keyboard.press('Enter')]);
    await tabTo(page, page.getByRole('link', { name: 'Acheter des bons' }).first());
    await Promise.all([page.waitForURL(/\/commander$/), page.keyboard.press('Enter')]);

    // The amount: arrows on the closed list until 20 € is chosen.
    const amount = page.getByLabel('Montant', { exact: true }).first();
    await tabTo(page, amount);
    for (let i = 0; i < 12 && (await amount.inputValue()) !== '20.00'; i++) await page.keyboard.press('ArrowDown');
    expect(await amount.inputValue()).toBe('20.00');
    await tabTo(page, page.getByLabel('Quantité').first());
    await page.keyboard.press('Control+A');
    await page.keyboard.type('2');
    await expect.poll(() => page.locator('[data-total]').textContent()).toMatch(/40,00\s€/);

    // A gift: the disclosure opens with Space, its field takes the recipient's name.
    await tabTo(page, page.getByText('C’est un cadeau ?').first());
    await page.keyboard.press('Space');
    await tabTo(page, page.getByLabel('Nom du bénéficiaire (facultatif)').first());
    await page.keyboard.type('Camille');

    await tabTo(page, page.getByLabel('Nom et prénom'));
    await page.keyboard.type('Ada Lovelace');
    await tabTo(page, page.getByLabel('Adresse e-mail'));
    await page.keyboard.type('ada@example.org');
    await tabTo(page, page.getByRole('button', { name: 'Payer par carte' }));
    await Promise.all([page.waitForURL(/\/demo\/checkout\//), page.keyboard.press('Enter')]);

    // The demo payment page: the success button pressed with Space.
    await tabTo(page, page.getByRole('button', { name: 'Simuler un paiement réussi' }));
    await Promise.all([page.waitForURL(/\/commandes\//), page.keyboard.press('Space')]);
    await page.getByText('Paiement confirmé, vos bons sont prêts !').waitFor();
    await tabTo(page, page.getByRole('link', { name: 'Ouvrir le bon' }).first());
    await Promise.all([page.waitForURL(/\/v\//), page.keyboard.press('Enter')]);
    await page.getByText('Solde disponible').waitFor();

    const n = env.app.database.sqlite.prepare("SELECT COUNT(*) FROM vouchers v JOIN orders o ON o.id = v.order_id WHERE o.buyer_email = 'ada@example.org' AND v.recipient_name = 'Camille'").pluck().get();
    expect(n).toBe(2); // the line's two vouchers, for Camille
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('signs in at the till, types a code, takes 12,50 € and confirms: keyboard only, focus always visible', async () => {
    const voucher = await paidVoucher({ database: env.app.database, clock: env.app.clock, baseUrl: env.app.url }, 30_00);
    const { page, context, errors } = await pageWithConsoleErrors(env.browser, { width: 390, height: 844 });
    await page.goto(`${env.app.url}/caisse`);

    await tabTo(page, page.getByLabel('Adresse e-mail'));
    await page.keyboard.type('vendeur.galerne@demo.bons-locaux.fr');
    await tabTo(page, page.getByLabel('Mot de passe'));
    await page.keyboard.type(DEMO_PASSWORD);
    await Promise.all([page.waitForURL(/\/caisse$/), page.keyboard.press('Enter')]);

    await tabTo(page, page.getByLabel('Code du bon'));
    await page.keyboard.type(voucher.formatted);
    await tabTo(page, page.getByRole('button', { name: 'Vérifier le bon' }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Bon valable' }).waitFor({ timeout: 15_000 });

    await tabTo(page, page.getByLabel('Montant de l’achat'));
    await page.keyboard.type('12,50');
    await tabTo(page, page.getByRole('button', { name: /Débiter 12,50/ }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Paiement accepté' }).waitFor({ timeout: 15_000 });
    expect(await focusProblem(page)).toBeNull();

    expect(voucherState(env.app.database, voucher.code)).toEqual({ balanceCents: 17_50, status: 'active' });
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});
