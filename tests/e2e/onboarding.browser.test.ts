import { describe, expect, it } from 'vitest';
import { DEMO_OPERATOR_PASSWORD } from '../../server/domain/operators/demo-operators';
import { browserAvailable, pageWithConsoleErrors, useAppAndBrowser } from '../support/browser';
import { DEMO_ADMIN_EMAIL } from '../support/operator';

const hasBrowser = browserAvailable(); // skipped with a notice without Chromium; mandatory under REQUIRE_BROWSER=1 (CI)

/**
 * The whole onboarding in a real browser: a shop applies through the public form, the
 * operator approves it in the back-office, the owner opens the invitation link, chooses
 * a password, signs in and reaches the till. Three separate browser contexts (no shared
 * cookies), as three different people would.
 */
describe.runIf(hasBrowser)('shop onboarding in a real browser (Chromium)', () => {
  const env = useAppAndBrowser();

  /** A page that records console errors (a CSP violation shows there); the deliberate 422 is not one. */
  const newPage = () => pageWithConsoleErrors(env.browser, { width: 1024, height: 900 }, (text) => text.includes('status of 422'));

  it('applies, gets approved, sets a password and reaches the till', async () => {
    const { app } = env;
    // 1. The shop applies from the campaign page's link.
    const shop = await newPage();
    await shop.page.goto(`${app.url}/campagnes/seine-estuaire`);
    await shop.page.getByRole('link', { name: 'Vous êtes commerçant ? Rejoignez le réseau' }).click();
    const p = shop.page;
    await p.getByLabel('Nom du commerce').fill('La Mie Câline du Port');
    await p.getByLabel('SIRET').fill('732 829 320 00074');
    await p.getByLabel('Catégorie').selectOption('Boulangerie-pâtisserie');
    await p.getByLabel('Adresse', { exact: true }).fill('5 quai de Southampton');
    await p.getByLabel('Code postal').fill('76600');
    await p.getByLabel('Commune').fill('Le Havre');
    await p.getByLabel('IBAN').fill('FR76 3000 6000 0112 3456 7890 189');
    await p.getByLabel('Titulaire du compte').fill('SARL Mie du Port');
    await p.getByLabel('Nom du contact').fill('Léa Fournier');
    await p.getByLabel('E-mail du contact').fill('lea@mie-du-port.example');
    await p.getByLabel('Téléphone').fill('02 35 11 22 33');
    // Forgetting the consent box: the page comes back with the message and the values kept.
    await p.getByRole('button', { name: 'Envoyer la candidature' }).click();
    await p.getByText('Cochez cette case pour envoyer la candidature.').waitFor();
    expect(await p.getByLabel('Nom du commerce').inputValue()).toBe('La Mie Câline du Port');
    await p.getByLabel('Chèques cadeaux Seine Estuaire').check();
    await p.getByLabel(/J’accepte les conditions/).check();
    await p.getByRole('button', { name: 'Envoyer la candidature' }).click();
    await p.getByRole('heading', { name: 'Merci, votre candidature est bien reçue' }).waitFor();
    expect(shop.errors).toEqual([]);

    // 2. The operator signs in and approves it.
    const op = await newPage();
    await op.page.goto(`${app.url}/operateur/commerces?status=pending`);
    await op.page.getByLabel('Adresse e-mail').fill(DEMO_ADMIN_EMAIL);
    await op.page.getByLabel('Mot de passe').fill(DEMO_OPERATOR_PASSWORD);
    await op.page.getByRole('button', { name: 'Se connecter' }).click();
    await op.page.getByRole('link', { name: 'La Mie Câline du Port' }).click();
    await op.page.getByText('Léa Fournier').waitFor();
    await op.page.getByRole('button', { name: 'Valider le commerce' }).click();
    await op.page.getByText('Commerce validé : l’invitation part vers son responsable.').waitFor();
    expect(op.errors).toEqual([]);

    // 3. The owner opens the link from the mail (read from the outbox), chooses a password and signs in.
    const row = app.database.sqlite.prepare("SELECT payload FROM outbox_messages WHERE kind = 'owner_invitation' AND recipient = ?").get('lea@mie-du-port.example') as { payload: string };
    const link = `${app.url}/mot-de-passe/${JSON.parse(row.payload).token}`;
    const owner = await newPage();
    await owner.page.goto(link);
    await owner.page.getByLabel('Nouveau mot de passe').fill('mie-du-port-2026');
    await owner.page.getByLabel('Confirmez le mot de passe').fill('mie-du-port-2026');
    await owner.page.getByRole('button', { name: 'Enregistrer' }).click();
    await owner.page.getByLabel('Adresse e-mail').fill('lea@mie-du-port.example');
    await owner.page.getByLabel('Mot de passe').fill('mie-du-port-2026');
    await owner.page.getByRole('button', { name: 'Se connecter' }).click();
    await owner.page.waitForURL(`${app.url}/caisse`);
    expect(await owner.page.textContent('body')).toContain('La Mie Câline du Port');
    expect(owner.errors).toEqual([]);
  });
});
