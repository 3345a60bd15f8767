import { describe, expect, it } from 'vitest';
import { browserAvailable, pageWithConsoleErrors, useAppAndBrowser } from '../support/browser';
import { postOrder } from '../support/builders';
import { auditHere } from '../support/page-audit';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)

/**
 * Issue 15 (WCAG 2.2.1): the order page awaiting its payment no longer reloads itself every
 * 3 s with a <meta refresh>; it asks the order's status and reloads once, when the payment
 * is confirmed elsewhere (here: in another tab, as a bank's confirmation would arrive).
 */
describe.runIf(hasBrowser)('the pending order page (Chromium)', () => {
  const env = useAppAndBrowser();

  it('has no timed refresh, stays put while pending, and shows the vouchers once paid', async () => {
    const res = await postOrder(env.app.url, { paymentMethod: 'card', buyer: { type: 'individual', name: 'Grace Hopper', email: 'grace@example.org' }, items: [{ amountCents: 2000, quantity: 1 }] });
    const body = (await res.json()) as { order: { id: string }; accessToken: string; paymentUrl: string };
    const { page, context, errors } = await pageWithConsoleErrors(env.browser, { width: 390, height: 844 });
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(`${env.app.url}/commandes/${body.order.id}?token=${body.accessToken}`);
    await page.getByText('Paiement en cours de confirmation').waitFor();
    expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);
    // The page audit sees orders once paid; this state is audited here.
    expect(await auditHere(page, 'pending order page')).toEqual([]);
    await page.waitForTimeout(4000); // past one status check: no reload while nothing changed
    expect(loads).toBe(1);

    const bank = await context.newPage();
    await bank.goto(body.paymentUrl);
    await bank.getByRole('button', { name: 'Simuler un paiement réussi' }).click();
    await page.getByText('Paiement confirmé, vos bons sont prêts !').waitFor({ timeout: 15_000 });
    expect(loads).toBe(2);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
