import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';
import { rowOf, rowsOf } from '../support/backend-query';
import { DEMO_ADMIN_EMAIL, DEMO_VIEWER_EMAIL, operatorClient } from '../support/operator';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 15: a shop's weekly opening hours, edited by its owner (/commercant/horaires) and by
 * the operator (the shop's back-office page). Bad input is refused field by field (422) and
 * changes nothing; staff, other shops and read-only operators cannot change them.
 */
let app: TestApp;
let galerneId: string;
// Portable SQL on the test app's backend (SQLite or PostgreSQL).
const hours = (merchantId: string) =>
  rowsOf(app, `SELECT weekday, opens_minute AS o, closes_minute AS c FROM merchant_opening_hours WHERE merchant_id = @id ORDER BY weekday, opens_minute`, { id: merchantId });
const audits = async (merchantId: string) => (await rowOf<{ n: number }>(app, `SELECT count(*) AS n FROM audit_log WHERE action = 'merchant.hours' AND entity_id = @id`, { id: merchantId }))!.n;
const shopId = async (slug: string) => (await rowOf<{ id: string }>(app, `SELECT id FROM merchants WHERE slug = @slug`, { slug }))!.id;

async function shopClient(email: string) {
  const client = new FormClient(app.url);
  const page = await client.get('/connexion');
  const res = await client.post('/connexion', { email, password: DEMO_PASSWORD, next: '/commercant' }, page.html);
  expect(res.res.status).toBe(303);
  return client;
}

beforeAll(async () => {
  app = await startTestApp();
  galerneId = await shopId('librairie-la-galerne');
});
afterAll(() => app.close());

describe('the shop owner edits the opening hours', () => {
  it('shows the saved week, saves a new one and logs it', async () => {
    const owner = await shopClient('galerne@demo.bons-locaux.fr');
    const page = await owner.get('/commercant/horaires');
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('name="h2_0_opens" type="time" value="09:30"'); // the demo hours
    expect(page.html).toContain('href="/commercant/horaires" aria-current="page"');
    const before = await audits(galerneId);
    const saved = await owner.post('/commercant/horaires', { h1_0_opens: '10:00', h1_0_closes: '12:00', h1_1_opens: '14:00', h1_1_closes: '00:00', h6_0_opens: '9h', h6_0_closes: '18h30' }, page.html);
    expect(saved.res.status).toBe(303);
    expect(saved.res.headers.get('location')).toBe('/commercant/horaires?enregistre=1');
    expect(await hours(galerneId)).toEqual([
      { weekday: 1, o: 600, c: 720 },
      { weekday: 1, o: 840, c: 1440 },
      { weekday: 6, o: 540, c: 1110 },
    ]);
    expect(await audits(galerneId)).toBe(before + 1);
    const after = await owner.get('/commercant/horaires?enregistre=1');
    expect(after.html).toContain('Horaires enregistrés.');
    expect(after.html).toContain('name="h1_1_closes" type="time" value="00:00"');
  });

  it('refuses bad input field by field and changes nothing', async () => {
    const owner = await shopClient('galerne@demo.bons-locaux.fr');
    const page = await owner.get('/commercant/horaires');
    const before = await hours(galerneId);
    const auditsBefore = await audits(galerneId);
    for (const [fields, field, message] of [
      [{ h5_0_opens: '18:00', h5_0_closes: '02:00' }, 'h5_0_closes', 'une plage ne passe pas minuit'],
      [{ h2_0_opens: '09:00' }, 'h2_0_closes', 'Saisissez l’ouverture et la fermeture'],
      [{ h2_0_opens: '09:00', h2_0_closes: '13:00', h2_1_opens: '12:00', h2_1_closes: '18:00' }, 'h2_1_opens', 'chevauche'],
      [{ h3_0_opens: 'midi', h3_0_closes: '14:00' }, 'h3_0_opens', 'Saisissez une heure'],
    ] as const) {
      const res = await owner.post('/commercant/horaires', { h1_0_opens: '08:00', h1_0_closes: '09:00', ...fields }, page.html);
      expect(res.res.status).toBe(422);
      expect(res.html).toContain('rien n’a été enregistré');
      expect(res.html).toContain(`id="hours-${field}-error"`);
      expect(res.html).toMatch(new RegExp(`id="hours-${field}"[^>]*aria-invalid="true"`));
      expect(res.html).toContain(message);
      // The rest of what was typed stays in the form.
      expect(res.html).toContain('name="h1_0_opens" type="time" value="08:00"');
    }
    expect(await hours(galerneId)).toEqual(before);
    expect(await audits(galerneId)).toBe(auditsBefore);
  });

  it('is the owner’s: staff are refused, another owner edits only their own shop, CSRF is checked', async () => {
    const staff = await shopClient('vendeur.galerne@demo.bons-locaux.fr');
    expect((await staff.get('/commercant/horaires')).res.status).toBe(403);
    const dash = await staff.get('/commercant');
    const before = await hours(galerneId);
    expect((await staff.post('/commercant/horaires', { h1_0_opens: '08:00', h1_0_closes: '09:00' }, dash.html)).res.status).toBe(403);
    const other = await shopClient('fromagerie@demo.bons-locaux.fr');
    const page = await other.get('/commercant/horaires');
    expect((await other.post('/commercant/horaires', { h7_0_opens: '08:00', h7_0_closes: '12:00' }, page.html)).res.status).toBe(303);
    const fromagerie = await shopId('fromagerie-du-marche');
    expect(await hours(fromagerie)).toEqual([{ weekday: 7, o: 480, c: 720 }]);
    const owner = await shopClient('galerne@demo.bons-locaux.fr');
    expect((await owner.post('/commercant/horaires', { h1_0_opens: '08:00', h1_0_closes: '09:00' }, '')).res.status).toBe(403);
    expect(await hours(galerneId)).toEqual(before);
    const anonymous = await fetch(`${app.url}/commercant/horaires`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
  });
});

describe('the operator edits a shop’s opening hours', () => {
  it('saves them from the shop’s page; bad input is a 422 with nothing changed', async () => {
    const admin = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
    const page = await admin.get('/operateur/commerces/bijouterie-falaise');
    expect(page.html).toContain('action="/operateur/commerces/bijouterie-falaise/horaires#hours"');
    const id = await shopId('bijouterie-falaise');
    const before = await hours(id);
    const bad = await admin.post('/operateur/commerces/bijouterie-falaise/horaires', { h4_0_opens: '19:00', h4_0_closes: '10:00' }, page.html);
    expect(bad.res.status).toBe(422);
    expect(bad.html).toContain('La fermeture doit suivre l’ouverture');
    expect(await hours(id)).toEqual(before);
    const ok = await admin.post('/operateur/commerces/bijouterie-falaise/horaires', { h4_0_opens: '10:00', h4_0_closes: '19:00' }, page.html);
    expect(ok.res.status).toBe(303);
    expect(ok.res.headers.get('location')).toBe('/operateur/commerces/bijouterie-falaise?done=hours');
    expect(await hours(id)).toEqual([{ weekday: 4, o: 600, c: 1140 }]);
    const shown = await admin.get('/operateur/commerces/bijouterie-falaise?done=hours');
    expect(shown.html).toContain('Horaires enregistrés.');
    expect(shown.html).toContain('10:00–19:00');
  });

  it('is read-only for a viewer', async () => {
    const viewer = await operatorClient(app.url, DEMO_VIEWER_EMAIL);
    const page = await viewer.get('/operateur/commerces/bijouterie-falaise');
    expect(page.res.status).toBe(200);
    expect(page.html).not.toContain('/horaires#hours');
    const id = await shopId('bijouterie-falaise');
    const before = await hours(id);
    const res = await viewer.post('/operateur/commerces/bijouterie-falaise/horaires', { h1_0_opens: '08:00', h1_0_closes: '09:00' }, page.html);
    expect(res.res.status).toBe(403);
    expect(await hours(id)).toEqual(before);
  });
});
