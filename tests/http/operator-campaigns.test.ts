import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OPERATOR_PASSWORD } from '../../server/domain/operators/demo-operators';
import { createOperatorUser } from '../../server/domain/operators/operator-users-service';
import { setMerchantCampaignsSteps } from '../../server/domain/merchants/merchant-review-service';
import { sqliteMerchantReviewStore } from '../../server/domain/merchants/merchant-review-store';
import { pgMerchantReviewStore } from '../../server/domain/merchants/merchant-review-store-pg';
import { adminUnits } from '../../server/web/operator/admin-units';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';
import { operatorClient } from '../support/operator';
import { rowOf, rowsOf } from '../support/backend-query';

let app: TestApp;
let agent: FormClient;
let viewer: FormClient;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);

const signIn = (email: string, password: string) => operatorClient(app.url, email, password);
const token = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

/** Posts the campaign form as a browser would: multipart, with an optional image. */
async function postForm(c: FormClient, path: string, fields: Record<string, string | string[]>, image?: { bytes: Buffer; name: string; type: string }) {
  const page = await c.get('/operateur/campagnes');
  const fd = new FormData();
  fd.append('_csrf', token(page.html));
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) fd.append(k, one);
  if (image) fd.append('image', new Blob([new Uint8Array(image.bytes)], { type: image.type }), image.name);
  const res = await c.request(path, { method: 'POST', body: fd });
  return { res, html: await res.text() };
}

const FIELDS = {
  name: 'Bons employeurs Le Havre', description: 'Pour les salariés.', operatorName: 'CCI', sponsorName: 'Ville du Havre', target: '20 000',
  denominations: '10, 25', minAmount: '10', maxAmount: '100', validityDays: '365', maxVouchersPerOrder: '20', maxOrderIndividual: '500',
  maxVouchersPerOrgOrder: '1000', maxOrderOrg: '50000', orgFee: '2', commission: '3', breakageRule: 'sponsor', categoriesMode: 'some',
  categories: ['Librairie', 'Restaurant'], bonusKind: 'none', bonusPercent: '', bonusFixed: '', bonusCapPerBuyer: '', bonusBudget: '',
  startsOn: '2026-01-01', lastDay: '',
};
const row = async (slug: string) => (await rowOf(app, 'SELECT * FROM campaigns WHERE slug = @slug', { slug }))!;
const auditOf = async (id: string) => (await rowsOf<{ action: string }>(app, `SELECT action, actor FROM audit_log WHERE entity_type = 'campaign' AND entity_id = @id ORDER BY id`, { id })).map((a) => a.action);

beforeAll(async () => {
  app = await startTestApp();
  await createOperatorUser(app, { email: 'agent@cci.example', password: 'agent-password-1', role: 'operator' });
  agent = await signIn('agent@cci.example', 'agent-password-1');
  viewer = await signIn('lecture@demo.bons-locaux.fr', DEMO_OPERATOR_PASSWORD);
});
afterAll(() => app.close());

describe('operator campaigns', () => {
  it('creates a draft (not public), publishes it (public, with its image), edits it and closes it', async () => {
    const created = await postForm(agent, '/operateur/campagnes/nouvelle', FIELDS, { bytes: PNG, name: 'affiche.png', type: 'image/png' });
    expect(created.res.status).toBe(303);
    const slug = 'bons-employeurs-le-havre';
    expect(created.res.headers.get('location')).toBe(`/operateur/campagnes/${slug}?done=created`);
    const c = await row(slug);
    expect(c).toMatchObject({ status: 'draft', target_cents: 2_000_000, denominations_cents: '[1000,2500]', org_fee_bps: 200, commission_bps: 300, breakage_rule: 'sponsor', accepted_categories: '["Librairie","Restaurant"]' });
    expect(String(c.image_path)).toMatch(/^campaigns\/[a-f0-9]{32}\.png$/);
    expect((await fetch(`${app.url}/campagnes/${slug}`)).status).toBe(404);

    const page = await agent.get(`/operateur/campagnes/${slug}`);
    expect(page.html).toContain('Intégrer sur votre site');
    expect(page.html).toContain(`/embed/campaigns/${slug}`);
    expect((await agent.post(`/operateur/campagnes/${slug}/publier`, {}, page.html)).res.status).toBe(303);
    expect((await row(slug)).status).toBe('active');

    const pub = await fetch(`${app.url}/campagnes/${slug}`);
    const html = await pub.text();
    const img = /<img class="campaign-image" src="(\/media\/campagnes\/[a-f0-9]{32}\.png)"/.exec(html);
    expect(img).not.toBeNull();
    const media = await fetch(app.url + img![1]);
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('image/png');
    expect(media.headers.get('cache-control')).toContain('max-age=31536000');
    expect(media.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await media.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await fetch(`${app.url}/media/campagnes/..%2Fapp.db`)).status).toBe(404);

    const edited = await postForm(agent, `/operateur/campagnes/${slug}`, { ...FIELDS, commission: '2,5', validityDays: '180' });
    expect(edited.res.status).toBe(303);
    expect(await row(slug)).toMatchObject({ commission_bps: 250, validity_days: 180, image_path: c.image_path });

    const again = await agent.get(`/operateur/campagnes/${slug}`);
    expect((await agent.post(`/operateur/campagnes/${slug}/publier`, {}, again.html)).res.status).toBe(409);
    expect((await agent.post(`/operateur/campagnes/${slug}/cloturer`, {}, again.html)).res.status).toBe(303);
    expect((await row(slug)).status).toBe('closed');
    const closed = await agent.post(`/operateur/campagnes/${slug}/cloturer`, {}, again.html);
    expect(closed.res.status).toBe(409);
    expect(closed.html).toContain('Seule une campagne publiée peut être clôturée');
    expect((await postForm(agent, `/operateur/campagnes/${slug}`, FIELDS)).res.status).toBe(409);

    expect(await auditOf(String(c.id))).toEqual(['campaign_create', 'campaign_publish', 'campaign_update', 'campaign_close']);
  });

  it('refuses bad input field by field, a fake image and a missing CSRF token', async () => {
    const bad = await postForm(agent, '/operateur/campagnes/nouvelle', { ...FIELDS, name: '', denominations: '10,20,50' }, { bytes: Buffer.from('<svg/>'), name: 'x.png', type: 'image/png' });
    expect(bad.res.status).toBe(422);
    expect(bad.html).toContain('Ce champ est obligatoire.');
    expect(bad.html).toContain('Saisissez des montants séparés');
    expect(bad.html).toContain('L’image doit être un fichier PNG ou JPEG.');
    const big = await postForm(agent, '/operateur/campagnes/nouvelle', FIELDS, { bytes: Buffer.alloc(2 * 1024 * 1024 + 10, 0xff), name: 'x.jpg', type: 'image/jpeg' });
    expect(big.res.status).toBe(413);
    expect(big.html).toContain('L’image dépasse 2 Mo.');
    const fd = new FormData();
    fd.append('name', 'x');
    expect((await agent.request('/operateur/campagnes/nouvelle', { method: 'POST', body: fd })).status).toBe(403);
    expect(await rowOf(app, `SELECT COUNT(*) AS n FROM campaigns`)).toEqual({ n: 3 });
  });

  it('shows viewers everything but no form, and refuses their posts', async () => {
    const list = await viewer.get('/operateur/campagnes');
    expect(list.res.status).toBe(200);
    expect(list.html).toContain('Chèques cadeaux Seine Estuaire');
    expect(list.html).not.toContain('/operateur/campagnes/nouvelle');
    const page = await viewer.get('/operateur/campagnes/seine-estuaire');
    expect(page.res.status).toBe(200);
    expect(page.html).not.toContain('enctype="multipart/form-data"');
    expect(page.html).not.toContain('/cloturer');
    expect((await viewer.get('/operateur/campagnes/nouvelle')).res.status).toBe(403);
    expect((await viewer.post('/operateur/campagnes/seine-estuaire/cloturer', {}, list.html)).res.status).toBe(403);
    expect((await postForm(viewer, '/operateur/campagnes/seine-estuaire', FIELDS)).res.status).toBe(403);
    expect((await row('seine-estuaire')).status).toBe('active');
    const anonymous = await fetch(`${app.url}/operateur/campagnes`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
  });

  it('links a shop only to campaigns accepting its category; existing links stay', async () => {
    const created = await postForm(agent, '/operateur/campagnes/nouvelle', { ...FIELDS, name: 'Librairies seulement', categories: ['Librairie'] });
    expect(created.res.status).toBe(303);
    const page = await agent.get('/operateur/campagnes/librairies-seulement');
    await agent.post('/operateur/campagnes/librairies-seulement/publier', {}, page.html);
    const id = String((await row('librairies-seulement')).id);
    const by = { actor: 'test' };
    // The review service on the test app's backend, as the shop page's form runs it.
    const setMerchantCampaigns = (slug: string, ids: string[]) =>
      adminUnits(app, sqliteMerchantReviewStore, pgMerchantReviewStore)((s) => setMerchantCampaignsSteps(s, app.clock.now(), slug, ids, by));
    // A restaurant cannot join; a bookshop can.
    expect(await setMerchantCampaigns('le-grenier-a-sel', [id])).toEqual([]);
    expect(await setMerchantCampaigns('librairie-la-galerne', [id])).toContain(id);
    // The campaign narrows to restaurants: the bookshop keeps its link when its list is saved again.
    await rowsOf(app, `UPDATE campaigns SET accepted_categories = '["Restaurant"]' WHERE id = @id`, { id });
    expect(await setMerchantCampaigns('librairie-la-galerne', [id])).toContain(id);
  });
});
