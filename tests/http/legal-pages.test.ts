import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_EMAIL, DEMO_VIEWER_EMAIL, operatorClient } from '../support/operator';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';
import { rowsOf } from '../support/backend-query';

/**
 * Issue 15, item 1: the legal and compliance pages. They exist with a default built from the
 * operator's legal identity, every page's footer and every consent form links to them, the
 * operator's admins edit them (FR and EN) and what they type is never served as HTML.
 */
let app: TestApp;
let admin: FormClient;

const PAGES = ['/mentions-legales', '/conditions-de-vente', '/conditions-commercants', '/confidentialite', '/accessibilite'];
const FOOTER = ['/mentions-legales', '/conditions-de-vente', '/confidentialite', '/accessibilite'];
const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
const footerOf = (html: string) => /<footer[\s\S]*<\/footer>/.exec(html)?.[0] ?? '';
const auditRows = async () =>
  (await rowsOf<{ actor: string; action: string; entityid: string; before: string | null; after: string | null }>(app, "SELECT actor, action, entity_id AS entityid, before, after FROM audit_log WHERE entity_type = 'legal_page' ORDER BY id")).map(
    ({ entityid, ...r }) => ({ ...r, entityId: entityid }),
  );

beforeAll(async () => {
  app = await startTestApp();
  admin = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
});
afterAll(() => app.close());

describe('public legal pages', () => {
  it('publishes every page with a default text, the mentions légales taken from the operator identity', async () => {
    for (const path of PAGES) {
      const res = await fetch(`${app.url}${path}`);
      expect(res.status, path).toBe(200);
    }
    const mentions = await (await fetch(`${app.url}/mentions-legales`)).text();
    const op = app.config.operator;
    expect(mentions).toContain('<h1>Mentions légales</h1>');
    for (const part of [op.legalName, op.siret, op.vatNumber, op.address.postcode, op.address.city]) expect(mentions).toContain(part);
    expect(mentions).toContain(`<a href="mailto:${op.email}">`);
  });

  it('serves the terms and the privacy notice in English with the English texts', async () => {
    const en = new FormClient(app.url);
    await en.get('/langue/en?back=/');
    const terms = await en.get('/conditions-de-vente');
    expect(terms.html).toContain('<h1>Terms of sale and use of the vouchers</h1>');
    expect(terms.html).toMatch(/No change is given/);
    expect(terms.html).toMatch(/14 days/);
    const privacy = await en.get('/confidentialite');
    expect(privacy.html).toContain('<h2>Your rights</h2>');
  });

  it('states the RGAA conformity on the accessibility statement and in the footer, with recourse to the Défenseur des droits', async () => {
    const html = await (await fetch(`${app.url}/accessibilite`)).text();
    expect(html).toContain('est non conforme avec le référentiel général d’amélioration de l’accessibilité (RGAA)');
    expect(html).toContain('Défenseur des droits');
    expect(footerOf(html)).toContain('Accessibilité\u00a0: non conforme');
  });

  it('links the legal pages from the footer of every kind of page', async () => {
    const shop = new FormClient(app.url);
    const pages = ['/', '/campagnes/seine-estuaire', '/campagnes/seine-estuaire/commander', '/commercants/candidature', '/connexion', '/operateur/connexion', '/accessibilite', '/page-qui-n-existe-pas'];
    for (const path of pages) {
      const { html } = await shop.get(path);
      const links = hrefs(footerOf(html));
      for (const target of FOOTER) expect(links, `${path} → ${target}`).toContain(target);
    }
  });

  it('links the terms from every form that asks for consent', async () => {
    const c = new FormClient(app.url);
    const application = await c.get('/commercants/candidature');
    const consent = /<label class="org-check"><input[^>]*name="consent"[\s\S]*?<\/p>/.exec(application.html)?.[0] ?? '';
    expect(consent).toContain('aria-describedby="consent-links"');
    expect(hrefs(consent)).toEqual(expect.arrayContaining(['/conditions-commercants', '/confidentialite']));
    const order = await c.get('/campagnes/seine-estuaire/commander');
    const form = /<form[\s\S]*?<\/form>/.exec(order.html.slice(order.html.indexOf('<main')))?.[0] ?? '';
    expect(hrefs(form)).toEqual(expect.arrayContaining(['/conditions-de-vente', '/confidentialite']));
    const programme = await c.get('/conditions-commercants');
    expect(programme.res.status).toBe(200);
    expect(programme.html).toContain('Conditions de participation des commerces');
  });
});

describe('editing in the back-office', () => {
  it('lets an admin publish a French text, rendered from the plain-text subset and never as HTML', async () => {
    const page = await admin.get('/operateur/pages-legales/mentions?langue=fr');
    expect(page.res.status).toBe(200);
    expect(page.html).toContain(app.config.operator.siret); // the default, ready to adapt
    const body = [
      '## Hébergement',
      'Hébergé par **Hébergeur Exemple SAS**, [site](https://hebergeur.example/) et [écrire](mailto:contact@hebergeur.example).',
      '<script>alert(1)</script> <img src=x onerror=alert(2)> [piège](javascript:alert(3))',
      '- un point',
      '- [deux](//evil.example)',
    ].join('\n');
    const saved = await admin.post('/operateur/pages-legales/mentions', { locale: 'fr', body }, page.html);
    expect(saved.res.status).toBe(303);
    expect(saved.res.headers.get('location')).toBe('/operateur/pages-legales?ok=1');

    const html = await (await fetch(`${app.url}/mentions-legales`)).text();
    const article = /<article class="legal-page">[\s\S]*<\/article>/.exec(html)![0];
    expect(article).toContain('<h2>Hébergement</h2>');
    expect(article).toContain('<strong>Hébergeur Exemple SAS</strong>');
    expect(article).toContain('<a href="https://hebergeur.example/">site</a>');
    expect(article).toContain('<a href="mailto:contact@hebergeur.example">écrire</a>');
    expect(article).toContain('<li>un point</li>');
    expect(article).not.toMatch(/<script|<img|href="javascript:|href="\/\/evil/);
    expect(article).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(article).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(article).toContain('[piège](javascript:alert(3))');
    expect(article).toMatch(/Mis à jour le \d+ \p{L}+ 2\d{3}\./u);

    // The English page keeps its default; the audit log holds who changed what.
    const en = new FormClient(app.url);
    await en.get('/langue/en?back=/');
    expect((await en.get('/mentions-legales')).html).toContain('<h2>Publication director</h2>');
    const entry = (await auditRows()).find((r) => r.entityId === 'mentions:fr')!;
    expect(entry.action).toBe('legal_page_update');
    expect(entry.actor).toMatch(/^operator:/);
    expect(JSON.parse(entry.after!).body).toBe(body);
    expect(JSON.parse(entry.before!).body).toBeNull();
  });

  it('sets the accessibility conformity with the English statement; the footer follows at once, cached pages included', async () => {
    // The home page is cached for anonymous visitors: prime the cache with the old state.
    expect(footerOf(await (await fetch(`${app.url}/`)).text())).toContain('Accessibilité\u00a0: non conforme');
    const page = await admin.get('/operateur/pages-legales/accessibility?langue=en');
    expect(page.html).toContain('name="conformity" value="none" checked');
    const refused = await admin.post('/operateur/pages-legales/accessibility', { locale: 'en', body: 'x', conformity: 'mostly' }, page.html);
    expect(refused.res.status).toBe(422);
    const saved = await admin.post('/operateur/pages-legales/accessibility', { locale: 'en', body: '## Test results\nAudit of 2026-10-01: 86 % of the criteria met.', conformity: 'partial' }, page.html);
    expect(saved.res.status).toBe(303);
    const en = new FormClient(app.url);
    await en.get('/langue/en?back=/');
    const statement = await en.get('/accessibilite');
    expect(statement.html).toContain('is partially compliant with the French accessibility framework (RGAA)');
    expect(statement.html).toContain('86 % of the criteria met.');
    expect(footerOf(statement.html)).toContain('Accessibility: partially compliant');
    const fr = await (await fetch(`${app.url}/confidentialite`)).text();
    expect(footerOf(fr)).toContain('Accessibilité\u00a0: partiellement conforme');
    expect(footerOf(await (await fetch(`${app.url}/`)).text())).toContain('Accessibilité\u00a0: partiellement conforme');
  });

  it('refuses an empty text, control characters and a text over 20 000 characters with a 422 in the admin’s language', async () => {
    const page = await admin.get('/operateur/pages-legales/privacy?langue=fr');
    const cases: Array<[string, RegExp]> = [
      ['   \n  ', /ne peut pas être vide/],
      ['Texte\u202egauche', /caractères invisibles/],
      ['a'.repeat(20_001), /dépasse 20\u00a0000 caractères|dépasse 20 000 caractères/],
    ];
    for (const [body, message] of cases) {
      const res = await admin.post('/operateur/pages-legales/privacy', { locale: 'fr', body }, page.html);
      expect(res.res.status).toBe(422);
      expect(res.html).toMatch(message);
      expect(res.html).toContain('aria-invalid="true"');
    }
    expect((await auditRows()).filter((r) => r.entityId === 'privacy:fr')).toHaveLength(0);
  });

  it('puts the default text back on request', async () => {
    const page = await admin.get('/operateur/pages-legales/terms?langue=fr');
    await admin.post('/operateur/pages-legales/terms', { locale: 'fr', body: 'Conditions provisoires.' }, page.html);
    expect(await (await fetch(`${app.url}/conditions-de-vente`)).text()).toContain('Conditions provisoires.');
    const again = await admin.get('/operateur/pages-legales/terms?langue=fr');
    expect((await admin.post('/operateur/pages-legales/terms', { locale: 'fr', body: 'ignored', reset: '1' }, again.html)).res.status).toBe(303);
    const html = await (await fetch(`${app.url}/conditions-de-vente`)).text();
    expect(html).not.toContain('Conditions provisoires.');
    expect(html).toContain('Aucun rendu de monnaie');
    expect((await auditRows()).filter((r) => r.entityId === 'terms:fr').map((r) => r.action)).toEqual(['legal_page_update', 'legal_page_reset']);
  });

  it('is for admins only: a viewer gets 403 and no link, an unknown page is a 404', async () => {
    const viewer = await operatorClient(app.url, DEMO_VIEWER_EMAIL);
    expect((await viewer.get('/operateur/pages-legales')).res.status).toBe(403);
    expect((await viewer.get('/operateur')).html).not.toContain('/operateur/pages-legales');
    const list = await admin.get('/operateur/pages-legales');
    expect(list.res.status).toBe(200);
    expect(list.html).toContain('href="/operateur/pages-legales/accessibility?langue&#x3D;en"');
    expect((await admin.get('/operateur/pages-legales/cookies')).res.status).toBe(404);
  });
});
