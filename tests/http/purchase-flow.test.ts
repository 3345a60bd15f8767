import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import { readOn } from '../../server/web/backend-units';
import { rowOf } from '../support/backend-query';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const decodeHtml = (s: string) => s.replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/&amp;/g, '&');
const mainOf = (html: string) => /<main[\s\S]*<\/main>/.exec(html)![0];
const count = async (sql: string) => (await rowOf<{ n: number }>(app, sql))!.n;

/** Fills the order form and follows the demo checkout; returns the order page URL. */
async function buyThroughForm(client: FormClient, fields: Record<string, string>, outcome: 'paid' | 'failed') {
  const form = await client.get('/campagnes/seine-estuaire/commander');
  const posted = await client.post('/campagnes/seine-estuaire/commander', fields, form.html);
  expect(posted.res.status).toBe(303);
  const checkoutUrl = posted.res.headers.get('location')!;
  expect(checkoutUrl).toContain('/demo/checkout/');
  const checkout = await client.get(checkoutUrl);
  expect(checkout.html).toContain('Mode démonstration');
  const success = decodeHtml(/name="success" value="([^"]+)"/.exec(checkout.html)![1]!);
  const cancel = decodeHtml(/name="cancel" value="([^"]+)"/.exec(checkout.html)![1]!);
  const paid = await client.post(new URL(checkoutUrl).pathname, { outcome, success, cancel }, checkout.html);
  expect(paid.res.status).toBe(303);
  return paid.res.headers.get('location')!;
}

describe('buying vouchers through the web pages (demo provider)', () => {
  it('shows the campaign with its progress, shops and a way to buy', async () => {
    const { res, html } = await new FormClient(app.url).get('/campagnes/seine-estuaire');
    expect(res.status).toBe(200);
    expect(html).toContain('Chèques cadeaux Seine Estuaire');
    expect(html).toMatch(/Bons vendus[\s\S]*985,00\s€/);
    expect(html).toContain('Dépensés en boutique');
    expect(html).toMatch(/60\s000\s€/);
    expect(html).toContain('Librairie La Galerne');
    expect(html).toContain('148 rue de Paris, 76600 Le Havre');
    expect(html).toContain('href="/campagnes/seine-estuaire/commander"');
    expect(html).toContain('mode démonstration'.replace('mode d', 'Mode d'));
  });

  it('issues the vouchers once paid and shows them with QR code, recipient and message', async () => {
    const client = new FormClient(app.url);
    const orderUrl = await buyThroughForm(
      client,
      { amount_0: '20.00', qty_0: '1', recipient_0: 'Léa', message_0: 'Joyeux anniversaire !', amount_1: 'other', custom_1: '12,50', qty_1: '1', buyerName: 'Jean Dupont', buyerEmail: 'Jean@Example.org' },
      'paid',
    );
    const orderPage = await client.get(orderUrl);
    expect(orderPage.res.status).toBe(200);
    expect(orderPage.html).toContain('Paiement confirmé');
    const codes = [...orderPage.html.matchAll(/href="\/v\/([A-Z2-9-]{24})"/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(2);

    const voucher = await client.get(`/v/${codes[0]}`);
    expect(voucher.res.status).toBe(200);
    expect(voucher.res.headers.get('cache-control')).toBe('no-store');
    expect(voucher.html).toMatch(/20,00\s€|12,50\s€/);
    expect(voucher.html).toContain('/qr.svg');
    expect(voucher.html).toContain('Valable jusqu’au');
    expect(voucher.html).toContain('Bon à usages multiples');
    expect(voucher.html).toContain('Librairie La Galerne');
    const all = (await Promise.all(codes.map((c) => client.get(`/v/${c}`)))).map((v) => v.html).join('');
    expect(all).toContain('Léa');
    expect(all).toContain('Joyeux anniversaire !');

    const raw = codes[0]!.replace(/-/g, '');
    const svg = await client.get(`/v/${raw}/qr.svg`);
    expect(svg.res.headers.get('content-type')).toContain('image/svg+xml');
    const pdf = await client.request(`/v/${codes[0]!.toLowerCase()}.pdf`);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');

    const row = await rowOf(app, `SELECT buyer_email, total_cents, status FROM orders WHERE buyer_name = 'Jean Dupont'`);
    expect(row).toEqual({ buyer_email: 'jean@example.org', total_cents: 3250, status: 'paid' });
    expect(await readOn(app, (d) => ledgerChecks(FULL, d))).toEqual([]);
    expect(await count(`SELECT COUNT(*) n FROM outbox_messages WHERE recipient = 'jean@example.org'`)).toBe(1);
  });

  it('shows new progress figures right after a sale (the page cache never serves stale figures)', async () => {
    const visitor = new FormClient(app.url);
    const sold = async () => /Bons vendus<\/span><strong>([^<]+)</.exec((await visitor.get('/campagnes/seine-estuaire')).html)![1]!.replace(/\s/g, ' ');
    const before = await sold();
    expect(await sold()).toBe(before);
    await buyThroughForm(new FormClient(app.url), { amount_0: '50.00', qty_0: '1', buyerName: 'Cache', buyerEmail: 'cache@example.org' }, 'paid');
    const after = await sold();
    expect(after).not.toBe(before);
    const cents = (s: string) => Number(s.replace(/[^\d]/g, ''));
    expect(cents(after) - cents(before)).toBe(5000);
  });

  it('cancels the order when the simulated payment fails, and issues nothing', async () => {
    const client = new FormClient(app.url);
    const before = await count('SELECT COUNT(*) n FROM vouchers');
    const orderUrl = await buyThroughForm(client, { amount_0: '50.00', qty_0: '2', buyerName: 'Refusé', buyerEmail: 'refuse@example.org' }, 'failed');
    const page = await client.get(orderUrl);
    expect(page.html).toContain('Commande annulée');
    expect(await count('SELECT COUNT(*) n FROM vouchers')).toBe(before);
  });

  it('offers to start again after a refused payment with the basket kept (issue 15)', async () => {
    const client = new FormClient(app.url);
    const orderUrl = await buyThroughForm(
      client,
      { amount_0: '20.00', qty_0: '2', recipient_0: 'Léa', message_0: 'Bon anniversaire', amount_1: 'other', custom_1: '12,50', qty_1: '1', buyerName: 'Paul Refusé', buyerEmail: 'paul@example.org' },
      'failed',
    );
    const page = await client.get(orderUrl);
    expect(page.html).toContain('Commande annulée');
    const again = decodeHtml(/<a class="button" href="([^"]+)">Recommencer la commande<\/a>/.exec(page.html)![1]!);
    expect(again).toMatch(/^\/campagnes\/seine-estuaire\/commander\?reprendre=/);
    const form = (await client.get(again)).html;
    expect(form).toContain('value="Paul Refusé"');
    expect(form).toContain('value="paul@example.org"');
    expect(form).toMatch(/<select id="amount_0"[\s\S]*?<option value="20.00" selected>/);
    expect(form).toContain('<input id="qty_0" name="qty_0" value="2"');
    expect(form).toContain('<input id="recipient_0" name="recipient_0" value="Léa"');
    expect(form).toMatch(/<textarea id="message_0"[^>]*>Bon anniversaire<\/textarea>/);
    expect(form).toMatch(/<select id="amount_1"[\s\S]*?<option value="other" selected>/);
    expect(form).toContain('<input id="custom_1" name="custom_1" value="12.50"');
    // Without the order's token the form is empty: a basket is shown only to its buyer.
    const forged = (await client.get(again.replace(/token=[^&]+/, 'token=forged'))).html;
    expect(forged).not.toContain('Paul Refusé');
  });

  it('re-renders the form with each error beside its field and creates nothing', async () => {
    const client = new FormClient(app.url);
    const before = await count('SELECT COUNT(*) n FROM orders');
    const form = await client.get('/campagnes/seine-estuaire/commander');
    const { res, html } = await client.post(
      '/campagnes/seine-estuaire/commander',
      { amount_0: 'other', custom_0: '12,345', qty_0: '0', message_0: 'x'.repeat(301), buyerName: '', buyerEmail: 'pas-un-email' },
      form.html,
    );
    expect(res.status).toBe(422);
    expect(html).toContain('id="custom_0-error"');
    expect(html).toContain('Saisissez un montant en euros');
    expect(html).toContain('id="qty_0-error"');
    expect(html).toContain('id="message_0-error"');
    expect(html).toContain('id="buyerName-error"');
    expect(html).toContain('id="buyerEmail-error"');
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('value="pas-un-email"');
    expect(await count('SELECT COUNT(*) n FROM orders')).toBe(before);
  });

  it('refuses control and bidirectional-override characters in the names and the message (issue 13)', async () => {
    const client = new FormClient(app.url);
    const before = await count('SELECT COUNT(*) n FROM orders');
    const form = await client.get('/campagnes/seine-estuaire/commander');
    const { res, html } = await client.post(
      '/campagnes/seine-estuaire/commander',
      { amount_0: '20', qty_0: '1', recipient_0: 'Bob\u202e', message_0: 'Joyeux\u0000Noël', buyerName: 'Alice\u2066', buyerEmail: 'alice@example.org' },
      form.html,
    );
    expect(res.status).toBe(422);
    for (const field of ['recipient_0', 'message_0', 'buyerName']) expect(html).toContain(`id="${field}-error"`);
    expect(html).toContain('Ce texte contient des caractères non autorisés');
    expect(await count('SELECT COUNT(*) n FROM orders')).toBe(before);
    // A message keeps its line breaks.
    const ok = await client.post('/campagnes/seine-estuaire/commander', { amount_0: '20', qty_0: '1', message_0: 'Joyeux Noël\r\nÀ bientôt', buyerName: 'Alice', buyerEmail: 'alice@example.org' }, form.html);
    expect(ok.res.status).toBe(303);
  });

  it('explains campaign limits on the form', async () => {
    const client = new FormClient(app.url);
    const form = await client.get('/campagnes/seine-estuaire/commander');
    const over = await client.post('/campagnes/seine-estuaire/commander', { amount_0: 'other', custom_0: '200', qty_0: '1', buyerName: 'A', buyerEmail: 'a@example.org' }, form.html);
    expect(over.res.status).toBe(422);
    expect(over.html).toContain('Montant hors limites');
    const big = await client.post('/campagnes/seine-estuaire/commander', { amount_0: '50.00', qty_0: '31', buyerName: 'A', buyerEmail: 'a@example.org' }, form.html);
    expect(big.res.status).toBe(422);
    expect(big.html).toMatch(/ne peut dépasser 1\s500,00\s€/);
  });

  it('refuses a free amount out of range in the first round, with the range beside the marked field (issue 15)', async () => {
    const client = new FormClient(app.url);
    const before = await count('SELECT COUNT(*) n FROM orders');
    const form = await client.get('/campagnes/seine-estuaire/commander');
    // The field tells the browser the range and the cent step.
    expect(form.html).toMatch(/<input id="custom_0" name="custom_0" value="" type="number" min="10.00" max="150.00" step="0.01"/);
    for (const custom of ['5', '150,01']) {
      // Another field is wrong too: the amount must not wait for a second round.
      const { res, html } = await client.post('/campagnes/seine-estuaire/commander', { amount_0: 'other', custom_0: custom, qty_0: '1', buyerName: '', buyerEmail: 'a@example.org' }, form.html);
      expect(res.status).toBe(422);
      expect(html).toContain('id="buyerName-error"');
      const field = /<input id="custom_0"[^>]*>/.exec(html)![0];
      expect(field).toContain('aria-invalid="true"');
      expect(field).toContain('aria-describedby="custom_0-hint custom_0-error"');
      const error = /id="custom_0-error">([\s\S]*?)<\/p>/.exec(html)![1]!;
      expect(decodeHtml(error)).toMatch(/Montant hors limites\u00A0: choisissez entre 10\s€ et 150\s€/);
    }
    expect(await count('SELECT COUNT(*) n FROM orders')).toBe(before);
  });

  it('refuses a form post without a valid CSRF token', async () => {
    const client = new FormClient(app.url);
    await client.get('/campagnes/seine-estuaire/commander');
    const before = await count('SELECT COUNT(*) n FROM orders');
    const res = await client.request('/campagnes/seine-estuaire/commander', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: 'forged', amount_0: '20.00', qty_0: '1', buyerName: 'A', buyerEmail: 'a@example.org' }).toString(),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Le formulaire a expiré');
    // A token from another browser (other cookie) is refused too.
    const other = new FormClient(app.url);
    const page = await other.get('/campagnes/seine-estuaire/commander');
    const stolen = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const res2 = await client.request('/campagnes/seine-estuaire/commander', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: stolen, amount_0: '20.00', qty_0: '1', buyerName: 'A', buyerEmail: 'a@example.org' }).toString(),
    });
    expect(res2.status).toBe(403);
    expect(await count('SELECT COUNT(*) n FROM orders')).toBe(before);
  });

  it('never shows an order without its access token', async () => {
    const id = (await rowOf<{ id: string }>(app, 'SELECT id FROM orders LIMIT 1'))!.id;
    const client = new FormClient(app.url);
    expect((await client.get(`/commandes/${id}`)).res.status).toBe(404);
    expect((await client.get(`/commandes/${id}?token=wrong`)).res.status).toBe(404);
  });
});

describe('voucher pages reveal nothing about unknown codes', () => {
  it('answers the same 404 for unknown, mistyped and malformed codes', async () => {
    const client = new FormClient(app.url);
    const code = (await rowOf<{ code: string }>(app, 'SELECT code FROM vouchers LIMIT 1'))!.code;
    const typo = code.slice(0, 3) + (code[3] === 'A' ? 'B' : 'A') + code.slice(4);
    const bodies: string[] = [];
    for (const c of [typo, 'NOT-A-CODE', '2222-2222-2222-2222-2222', '../../etc/passwd']) {
      const { res, html } = await client.get(`/v/${encodeURIComponent(c)}`);
      expect(res.status).toBe(404);
      bodies.push(mainOf(html));
    }
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).toContain('Ce bon est introuvable');
    expect(bodies[0]).not.toMatch(/stack|Error:|at \//);
  });
});

describe('languages and security headers', () => {
  it('speaks French by default, English on Accept-Language or by the switch', async () => {
    const client = new FormClient(app.url);
    expect((await client.get('/')).html).toContain('Offrez local');
    expect((await client.get('/', { 'accept-language': 'en-GB,en;q=0.9' })).html).toContain('Give local');
    const sw = await client.request('/langue/en?back=/campagnes/seine-estuaire');
    expect(sw.status).toBe(303);
    expect(sw.headers.get('location')).toBe('/campagnes/seine-estuaire');
    expect((await client.get('/campagnes/seine-estuaire')).html).toContain('Buy vouchers');
    const evil = await client.request('/langue/fr?back=//evil.example');
    expect(evil.headers.get('location')).toBe('/');
  });

  it('sends a strict CSP without inline scripts, and a request id', async () => {
    const res = await fetch(`${app.url}/`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-powered-by')).toBeNull();
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle="/);
    expect(html).not.toMatch(/\son[a-z]+="/);
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('renders a 404 page for unknown paths, in the visitor’s language', async () => {
    const res = await fetch(`${app.url}/nowhere`, { headers: { 'accept-language': 'en' } });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Page not found.');
  });
});
