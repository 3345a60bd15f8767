import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowOf, rowsOf } from '../support/backend-query';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

/**
 * The public shop application (/commercants/candidature) on the backend the suite runs on
 * (TEST_BACKEND): the form lists the open campaigns, a post writes the pending shop, its
 * campaign, its owner and the audit entry in one unit; a SIRET already registered is refused.
 * onboarding.test.ts covers the form's validation and the operator's review on SQLite.
 */
let app: TestApp;
let campaignId: string;
beforeAll(async () => {
  app = await startTestApp();
  campaignId = (await rowOf<{ id: string }>(app, `SELECT id FROM campaigns WHERE slug = 'seine-estuaire'`))!.id;
});
afterAll(() => app.close());

const fields = (siret: string, email: string) => ({
  name: 'Le Fournil d’Or', siret, category: 'Boulangerie-pâtisserie', address: '1 rue du Four', postalCode: '76600', city: 'Le Havre',
  iban: 'FR76 3000 6000 0112 3456 7890 189', bic: 'BNPAFRPP', accountHolder: 'SARL Le Fournil', contactName: 'Camille Pain',
  contactEmail: email, phone: '02 35 00 00 00', openingHours: 'Mardi-samedi 7h-19h', website: 'https://fournil.example', consent: '1',
});

async function apply(body: Record<string, string>) {
  const c = new FormClient(app.url);
  const page = await c.get('/commercants/candidature');
  const token = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
  const form = new URLSearchParams({ _csrf: token, ...body });
  form.append('campaigns', campaignId);
  const res = await c.request('/commercants/candidature', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  return { res, html: await res.text(), page: page.html };
}

describe('public shop application', () => {
  it('lists the open campaigns, writes a pending shop with its campaign, owner and audit entry', async () => {
    const { res, page } = await apply(fields('73282932000074', 'fournil@apply.example'));
    expect(page).toContain(`value="${campaignId}"`);
    expect(res.status).toBe(201);
    const m = (await rowOf<{ id: string; slug: string; status: string }>(app, `SELECT id, slug, status FROM merchants WHERE siret = '73282932000074'`))!;
    expect(m).toMatchObject({ slug: 'le-fournil-d-or', status: 'pending' });
    expect(await rowsOf(app, `SELECT role, password_hash AS hash, name FROM merchant_users WHERE merchant_id = @id`, { id: m.id })).toEqual([{ role: 'owner', hash: null, name: 'Camille Pain' }]);
    expect(await rowsOf(app, `SELECT campaign_id AS c FROM campaign_merchants WHERE merchant_id = @id`, { id: m.id })).toEqual([{ c: campaignId }]);
    expect(await rowsOf(app, `SELECT actor, action FROM audit_log WHERE entity_id = @id`, { id: m.id })).toEqual([{ actor: 'public:application', action: 'merchant.apply' }]);
    // Pending: on no public page.
    expect(await (await fetch(`${app.url}/campagnes/seine-estuaire`, { headers: { cookie: 'sid=none' } })).text()).not.toContain('Le Fournil d’Or');
  });

  it('gives a second shop of the same name the town in its slug, and refuses a SIRET already registered', async () => {
    expect((await apply(fields('44306184100047', 'autre@apply.example'))).res.status).toBe(201);
    expect(await rowOf(app, `SELECT slug FROM merchants WHERE siret = '44306184100047'`)).toEqual({ slug: 'le-fournil-d-or-le-havre' });
    const again = await apply(fields('44306184100047', 'troisieme@apply.example'));
    expect(again.res.status).toBe(409);
    expect(await rowOf(app, `SELECT COUNT(*) AS n FROM merchants WHERE siret = '44306184100047'`)).toEqual({ n: 1 });
  });
});
