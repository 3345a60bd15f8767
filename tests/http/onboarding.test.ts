import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeySteps } from '../../server/domain/merchants/api-keys-service';
import { sqliteApiKeyAdminStore } from '../../server/domain/merchants/api-key-admin-store';
import { pgApiKeyAdminStore } from '../../server/domain/merchants/api-key-admin-store-pg';
import { storeUnits } from '../../server/web/backend-units';
import { rowOf, rowsOf } from '../support/backend-query';
import { paidVoucher, type BuiltVoucher } from '../support/builders';
import { systemClock } from '../../server/lib/clock';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';
import { operatorClient } from '../support/operator';

let app: TestApp;
let admin: FormClient;
let viewer: FormClient;
let campaignId: string;

/** A Luhn-valid SIRET from any 13-digit prefix (the last digit is the check digit). */
function siret(prefix13: string): string {
  for (let d = 0; d <= 9; d++) {
    const s = prefix13 + d;
    const sum = [...s].reverse().reduce((acc, c, i) => {
      let v = Number(c);
      if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      return acc + v;
    }, 0);
    if (sum % 10 === 0) return s;
  }
  throw new Error('unreachable');
}

/** The same number with its last digit changed: Luhn catches every single wrong digit. */
const wrongCheck = (s: string) => s.slice(0, -1) + ((Number(s.at(-1)) + 1) % 10);

let n = 0;
/** A complete, valid application; each call gets its own SIRET and contact email. */
function application(over: Record<string, string> = {}): Record<string, string> & { siret: string; contactEmail: string; name: string } {
  n++;
  return {
    name: `Boulangerie Test ${n}`,
    siret: siret(`4${String(n).padStart(12, '7')}`),
    category: 'Boulangerie-pâtisserie',
    address: '1 rue du Four',
    postalCode: '76600',
    city: 'Le Havre',
    iban: 'FR76 3000 6000 0112 3456 7890 189',
    bic: 'BNPAFRPP',
    accountHolder: 'SARL Le Fournil',
    contactName: 'Camille Pain',
    contactEmail: `camille${n}@fournil.example`,
    phone: '02 35 00 00 00',
    openingHours: 'Mardi-samedi 7h-19h',
    website: 'https://fournil.example',
    consent: '1',
    ...over,
  };
}

async function apply(fields: Record<string, string>, campaigns: string[] = [campaignId], headers: Record<string, string> = {}) {
  const c = new FormClient(app.url);
  const page = await c.get('/commercants/candidature', headers);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
  const body = new URLSearchParams({ _csrf: token, ...fields });
  for (const id of campaigns) body.append('campaigns', id);
  const res = await c.request('/commercants/candidature', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: body.toString() });
  return { res, html: await res.text() };
}

const merchantBySiret = async (s: string) => {
  const m = await rowOf<{ id: string; slug: string; name: string; status: string; statusreason: string | null; iban: string }>(app, 'SELECT id, slug, name, status, status_reason AS statusreason, iban FROM merchants WHERE siret = @s', { s });
  return m && { id: m.id, slug: m.slug, name: m.name, status: m.status, statusReason: m.statusreason, iban: m.iban };
};
const merchantCount = async () => (await rowOf<{ n: number }>(app, 'SELECT COUNT(*) AS n FROM merchants'))!.n;
const outbox = (kind: string, recipient: string) => rowsOf<{ payload: string }>(app, 'SELECT payload FROM outbox_messages WHERE kind = @kind AND recipient = @recipient', { kind, recipient });
/** A till key made for a shop (as the CLI does), on the test app's backend. */
const shopKey = async (slug: string) => {
  const { id } = (await rowOf<{ id: string }>(app, 'SELECT id FROM merchants WHERE slug = @slug', { slug }))!;
  return storeUnits(app, sqliteApiKeyAdminStore, pgApiKeyAdminStore)((s) => createApiKeySteps(s, app.clock.now(), { kind: 'merchant', merchantId: id, label: 'test till' }));
};
// Vouchers bought before the app starts: on PostgreSQL the data is prepared on SQLite, then copied.
const vouchers: BuiltVoucher[] = [];
/** The campaign page as a signed-in-looking visitor: bypasses the 30-second page cache for anonymous visitors. */
const campaignPage = async () => (await fetch(`${app.url}/campagnes/seine-estuaire`, { headers: { cookie: 'sid=none' } })).text();

const signedIn = (email: string, password?: string) => operatorClient(app.url, email, password);

/** Posts an action from the shop's page (the page carries the CSRF token). */
async function act(c: FormClient, slug: string, action: string, fields: Record<string, string> = {}) {
  const page = await c.get(`/operateur/commerces/${slug}`);
  return c.post(`/operateur/commerces/${slug}/${action}`, fields, page.html);
}

async function appliedShop(over: Record<string, string> = {}) {
  const fields = application(over);
  expect((await apply(fields)).res.status).toBe(201);
  return { fields, merchant: (await (await merchantBySiret(fields.siret)))! };
}

const redeem = (key: string, code: string) =>
  fetch(`${app.url}/api/v1/redemptions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ code, amountCents: 500, idempotencyKey: crypto.randomUUID() }) });

beforeAll(async () => {
  app = await startTestApp({
    prepare: async (database) => {
      for (let i = 0; i < 2; i++) vouchers.push(await paidVoucher({ database, clock: systemClock }, 2000));
    },
  });
  campaignId = (await rowOf<{ id: string }>(app, "SELECT id FROM campaigns WHERE slug = 'seine-estuaire'"))!.id;
  admin = await signedIn('operateur@demo.bons-locaux.fr');
  viewer = await signedIn('lecture@demo.bons-locaux.fr');
});
afterAll(() => app.close());

describe('public application form', () => {
  it('is linked from the home and campaign pages', async () => {
    expect(await (await fetch(`${app.url}/`)).text()).toContain('href="/commercants/candidature"');
    expect(await campaignPage()).toContain('href="/commercants/candidature"');
  });

  it('creates a pending shop, its campaigns and a password-less owner, shown nowhere and refused by the till', async () => {
    const { res, html } = await apply(application({ name: 'Le Fournil d’Or' }));
    expect(res.status).toBe(201);
    expect(html).toContain('Le Fournil d’Or');
    const m = (await rowOf<Record<string, string>>(app, "SELECT * FROM merchants WHERE name = 'Le Fournil d’Or'"))!;
    expect(m).toMatchObject({ slug: 'le-fournil-d-or', status: 'pending', iban: 'FR7630006000011234567890189', bic: 'BNPAFRPP', category: 'Boulangerie-pâtisserie', website: 'https://fournil.example/' });
    expect(await rowsOf(app, 'SELECT role, password_hash AS hash, name FROM merchant_users WHERE merchant_id = @id', { id: m.id! })).toEqual([{ role: 'owner', hash: null, name: 'Camille Pain' }]);
    expect(await rowsOf(app, 'SELECT campaign_id AS c FROM campaign_merchants WHERE merchant_id = @id', { id: m.id! })).toEqual([{ c: campaignId }]);
    expect(await outbox('owner_invitation', m.contact_email!)).toHaveLength(0);
    expect(await campaignPage()).not.toContain('Le Fournil d’Or');
    // A key made for it anyway (CLI) cannot redeem while it is pending.
    const key = await shopKey(m.slug!);
    const v = vouchers[0]!;
    const r = await redeem(key.key, v.code);
    expect(r.status).toBe(403);
    expect((await r.json()).error.code).toBe('MERCHANT_NOT_ACTIVE');
    // The same name again gets another slug.
    expect((await apply(application({ name: 'Le Fournil d’Or' }))).res.status).toBe(201);
    expect(await rowsOf(app, "SELECT slug FROM merchants WHERE name = 'Le Fournil d’Or' ORDER BY slug")).toEqual([{ slug: 'le-fournil-d-or' }, { slug: 'le-fournil-d-or-le-havre' }]);
  });

  it('re-renders bad input with field errors (422) and creates nothing', async () => {
    const before = (await merchantCount());
    const { res, html } = await apply(application({ siret: wrongCheck(siret('4111111111111')), iban: 'FR76 3000 6000 0112 3456 7890 188', website: 'http://insecure.example', postalCode: '7660', category: 'Casino', consent: '' }));
    expect(res.status).toBe(422);
    for (const msg of ['Ce SIRET n’existe pas', 'Cet IBAN est invalide', 'commençant par https://', '5 chiffres', 'Choisissez une catégorie', 'Cochez cette case']) expect(html).toContain(msg);
    expect(html).toContain('value="Le Havre"');
    expect((await merchantCount())).toBe(before);
  });

  it('refuses a SIRET already registered, with a clear message', async () => {
    const { fields } = await appliedShop();
    const before = (await merchantCount());
    const again = await apply(application({ siret: fields.siret }));
    expect(again.res.status).toBe(409);
    expect(again.html).toContain('Un commerce avec ce SIRET est déjà inscrit');
    expect((await merchantCount())).toBe(before);
  });

  it('refuses a post without the CSRF token', async () => {
    const res = await fetch(`${app.url}/commercants/candidature`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(application()).toString() });
    expect(res.status).toBe(403);
  });
});

/** The field's error, as the page shows it under the field (text, entities decoded). */
const fieldError = (html: string, field: string) => {
  const m = new RegExp(`id="${field}-error"[^>]*>.*?</span>(.*?)</p>`, 's').exec(html);
  return m ? m[1]!.replace(/&#x27;/g, "'").replace(/&amp;/g, '&').trim() : null;
};

describe('account holder in the SEPA character set', () => {
  // EPC217-08: only a-z A-Z 0-9 / - ? : ( ) . , ' + and space cross every SEPA bank.
  const unwritable = ['東京書店', 'Ελληνικό Καφέ', '***'];

  it('refuses a holder a SEPA transfer cannot carry, with the reason on the field (FR and EN), and creates nothing', async () => {
    const before = (await merchantCount());
    for (const accountHolder of unwritable) {
      const fr = await apply(application({ accountHolder }));
      expect(fr.res.status, accountHolder).toBe(422);
      expect(fr.html).toContain('aria-invalid="true" aria-describedby="accountHolder-error"');
      expect(fieldError(fr.html, 'accountHolder'), accountHolder).toMatch(/^Écrivez le titulaire tel que votre banque le connaît, en caractères latins/);
      const en = await apply(application({ accountHolder }), [campaignId], { 'accept-language': 'en' });
      expect(en.res.status).toBe(422);
      expect(fieldError(en.html, 'accountHolder'), accountHolder).toMatch(/^Write the holder as your bank knows it, in Latin characters/);
    }
    const noLetter = await apply(application({ accountHolder: '-- // --' }));
    expect(fieldError(noLetter.html, 'accountHolder')).toBe('Le titulaire doit contenir au moins une lettre ou un chiffre.');
    const long = await apply(application({ accountHolder: `SARL ${'Œ'.repeat(34)}` })); // 73 characters once written « OE »
    expect(fieldError(long.html, 'accountHolder')).toBe('70 caractères au plus\u00A0: c’est la longueur d’un nom dans un virement SEPA.');
    expect((await merchantCount())).toBe(before);
  });

  it('accepts accents, ligatures, « & » and typographic apostrophes, which transliterate', async () => {
    const { merchant } = await appliedShop({ accountHolder: '  Boulangerie Lœuvre & Fils — L’Épi d’Or  ' });
    expect(await rowOf(app, 'SELECT account_holder AS h FROM merchants WHERE id = @id', { id: merchant.id })).toEqual({ h: 'Boulangerie Lœuvre & Fils — L’Épi d’Or' });
  });

  it('refuses the same holders when the operator edits a shop, and keeps the stored one', async () => {
    const { fields, merchant } = await appliedShop();
    for (const accountHolder of unwritable) {
      const bad = await act(admin, merchant.slug, 'modifier', { ...fields, accountHolder });
      expect(bad.res.status, accountHolder).toBe(422);
      expect(fieldError(bad.html, 'accountHolder')).toMatch(/^Écrivez le titulaire tel que votre banque le connaît/);
    }
    expect(await rowOf(app, 'SELECT account_holder AS h FROM merchants WHERE id = @id', { id: merchant.id })).toEqual({ h: 'SARL Le Fournil' });
  });
});

describe('operator review', () => {
  it('lists applications with a status filter and search', async () => {
    const { merchant } = await appliedShop({ name: 'Primeur Cherchable' });
    const list = await admin.get('/operateur/commerces?status=pending&q=cherchable');
    expect(list.res.status).toBe(200);
    expect(list.html).toContain(`/operateur/commerces/${merchant.slug}`);
    expect((await admin.get('/operateur/commerces?status=approved&q=cherchable')).html).not.toContain(merchant.slug);
    expect((await admin.get('/operateur/commerces?status=bogus&q[]=x')).res.status).toBe(200);
  });

  it('approve: listed publicly, the owner is invited, sets a password and reaches the till', async () => {
    const { fields, merchant } = await appliedShop({ name: 'Boucherie Approuvée' });
    const res = await act(admin, merchant.slug, 'approuver');
    expect(res.res.status).toBe(303);
    expect((await merchantBySiret(fields.siret))!.status).toBe('approved');
    expect(await campaignPage()).toContain('Boucherie Approuvée');
    const [mail] = await outbox('owner_invitation', fields.contactEmail!);
    const token = JSON.parse(mail!.payload).token as string;
    expect((await app.drainOutbox()).failed).toBe(0);

    const owner = new FormClient(app.url);
    const page = await owner.get(`/mot-de-passe/${token}`);
    expect(page.res.status).toBe(200);
    expect((await owner.post(`/mot-de-passe/${token}`, { password: 'fournil-password-1', confirm: 'fournil-password-1' }, page.html)).res.status).toBe(303);
    const signIn = await owner.get('/connexion');
    const done = await owner.post('/connexion', { email: fields.contactEmail!, password: 'fournil-password-1' }, signIn.html);
    expect(done.res.headers.get('location')).toBe('/caisse');
    const till = await owner.get('/caisse');
    expect(till.res.status).toBe(200);
    expect(till.html).toContain('Boucherie Approuvée');
    // The link is spent; approving twice is a conflict shown on the page.
    expect((await owner.get(`/mot-de-passe/${token}`)).res.status).toBe(410);
    expect((await act(admin, merchant.slug, 'approuver')).res.status).toBe(409);
  });

  it('reject needs a reason, which is kept and mailed to the contact', async () => {
    const { fields, merchant } = await appliedShop();
    const empty = await act(admin, merchant.slug, 'refuser', { reason: ' ' });
    expect(empty.res.status).toBe(422);
    expect((await merchantBySiret(fields.siret))!.status).toBe('pending');
    expect((await act(admin, merchant.slug, 'refuser', { reason: 'Commerce hors du territoire' })).res.status).toBe(303);
    expect((await merchantBySiret(fields.siret))).toMatchObject({ status: 'rejected', statusReason: 'Commerce hors du territoire' });
    const [mail] = await outbox('merchant_rejected', fields.contactEmail!);
    expect(JSON.parse(mail!.payload).reason).toBe('Commerce hors du territoire');
    expect((await app.drainOutbox()).failed).toBe(0);
    expect(await campaignPage()).not.toContain(merchant.name);
  });

  it('suspend hides the shop and refuses its key; reactivate restores both', async () => {
    const { fields, merchant } = await appliedShop({ name: 'Épicerie Suspendue' });
    await act(admin, merchant.slug, 'approuver');
    const key = await shopKey(merchant.slug);
    const v = vouchers[1]!;
    expect((await redeem(key.key, v.code)).status).toBe(201);

    expect((await act(admin, merchant.slug, 'suspendre', {})).res.status).toBe(422);
    expect((await act(admin, merchant.slug, 'suspendre', { reason: 'Contrôle en cours' })).res.status).toBe(303);
    expect((await merchantBySiret(fields.siret))).toMatchObject({ status: 'suspended', statusReason: 'Contrôle en cours' });
    expect(await campaignPage()).not.toContain('Épicerie Suspendue');
    const refused = await redeem(key.key, v.code);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toMatchObject({ code: 'MERCHANT_SUSPENDED', message: expect.stringContaining('suspendu') });

    expect((await act(admin, merchant.slug, 'reactiver')).res.status).toBe(303);
    expect((await merchantBySiret(fields.siret))!.status).toBe('approved');
    expect(await campaignPage()).toContain('Épicerie Suspendue');
    expect((await redeem(key.key, v.code)).status).toBe(201);
  });

  it('edits details with the same validation and sets the accepted campaigns', async () => {
    const { fields, merchant } = await appliedShop();
    const bad = await act(admin, merchant.slug, 'modifier', { ...fields, iban: 'FR00 1234' });
    expect(bad.res.status).toBe(422);
    expect(bad.html).toContain('aria-invalid="true" aria-describedby="iban-error"');
    const ok = await act(admin, merchant.slug, 'modifier', { ...fields, name: 'Nom Corrigé', contactEmail: 'nouveau@fournil.example' });
    expect(ok.res.status).toBe(303);
    expect((await merchantBySiret(fields.siret))!.name).toBe('Nom Corrigé');
    // The owner has no password yet: the invitation will go to the corrected address.
    expect(await rowOf(app, "SELECT email FROM merchant_users WHERE merchant_id = @id AND role = 'owner'", { id: merchant.id })).toEqual({ email: 'nouveau@fournil.example' });
    expect((await act(admin, merchant.slug, 'campagnes', {})).res.status).toBe(303);
    expect(await rowOf(app, 'SELECT COUNT(*) AS n FROM campaign_merchants WHERE merchant_id = @id', { id: merchant.id })).toEqual({ n: 0 });
    const page = await admin.get(`/operateur/commerces/${merchant.slug}`);
    expect(page.html).toContain('FR76 3000 6000 0112 3456 7890 189');
  });

  it('viewers read without forms or full IBAN and get 403 on every action; anonymous visitors go to sign-in', async () => {
    const { fields, merchant } = await appliedShop();
    const page = await viewer.get(`/operateur/commerces/${merchant.slug}`);
    expect(page.res.status).toBe(200);
    expect(page.html).not.toContain('/approuver');
    expect(page.html).not.toContain('FR76 3000 6000');
    expect(page.html).toContain('•••• 0189');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
    for (const action of ['approuver', 'refuser', 'suspendre', 'reactiver', 'reinviter', 'modifier', 'campagnes']) {
      const res = await viewer.request(`/operateur/commerces/${merchant.slug}/${action}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token, reason: 'x x x' }).toString() });
      expect(res.status, action).toBe(403);
    }
    expect((await merchantBySiret(fields.siret))!.status).toBe('pending');
    const anon = new FormClient(app.url);
    for (const path of ['/operateur/commerces', `/operateur/commerces/${merchant.slug}`]) {
      const res = await anon.request(path);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/operateur\/connexion/);
    }
  });
});
