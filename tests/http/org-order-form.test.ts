import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ceilingSettingKey } from '../../server/domain/bulk/employer-gifts';
import { ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import { systemClock } from '../../server/lib/clock';
import { parisDate } from '../../server/lib/paris-time';
import { readOn } from '../../server/web/backend-units';
import { rowOf, rowsOf } from '../support/backend-query';
import { adminKey, COMPANY_BUYER, TOWN_HALL_BUYER, type BuiltKey } from '../support/builders';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

/**
 * The organisations' web order form (multipart, with a beneficiaries CSV) over HTTP: good
 * orders by quantities and by file, the row-by-row report of a bad file, field errors, a
 * file too large, CSRF, and the employer gift ceiling. A refused form never creates anything.
 */
const FORM = '/campagnes/seine-estuaire/commande-organisation';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/csv/${name}`, import.meta.url));
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=').replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ');

const COMPANY = {
  'buyer.type': 'company',
  'buyer.organisation': COMPANY_BUYER.organisation,
  'buyer.siret': '732 829 320 00074',
  'buyer.vatNumber': 'FR44732829320',
  'buyer.address.lines': COMPANY_BUYER.address.lines[0],
  'buyer.address.postalCode': COMPANY_BUYER.address.postalCode,
  'buyer.address.city': COMPANY_BUYER.address.city,
  'buyer.name': COMPANY_BUYER.name,
  'buyer.email': COMPANY_BUYER.email,
  'buyer.phone': '02 35 00 00 00',
  voucherSource: 'amounts',
  paymentMethod: 'card',
};
const TOWN_HALL = {
  'buyer.type': 'municipality',
  'buyer.organisation': TOWN_HALL_BUYER.organisation,
  'buyer.siret': TOWN_HALL_BUYER.siret,
  'buyer.address.lines': TOWN_HALL_BUYER.address.lines[0],
  'buyer.address.postalCode': TOWN_HALL_BUYER.address.postalCode,
  'buyer.address.city': TOWN_HALL_BUYER.address.city,
  'buyer.name': TOWN_HALL_BUYER.name,
  'buyer.email': TOWN_HALL_BUYER.email,
  'buyer.purchaseOrder': 'EJ-2026-0042',
  'buyer.serviceCode': 'SERV-SOCIAL',
  voucherSource: 'file',
  paymentMethod: 'bank_transfer',
};

interface Upload {
  name: string;
  bytes: Uint8Array;
}

let app: TestApp;
// Made on the seeded SQLite file before the app starts (copied to PostgreSQL with the rest).
let admin: BuiltKey;
beforeAll(async () => {
  app = await startTestApp({ prepare: (database) => void (admin = adminKey({ database, clock: systemClock })) });
});
afterAll(() => app?.close());

/** Every table a refused form must leave untouched (on the app's backend). */
const snapshot = async () =>
  (await rowOf<{ orders: number; items: number; organisations: number; outbox: number }>(
    app,
    `SELECT (SELECT COUNT(*) FROM orders) AS orders, (SELECT COUNT(*) FROM order_items) AS items, (SELECT COUNT(*) FROM organisations) AS organisations, (SELECT COUNT(*) FROM outbox_messages) AS outbox`,
  ))!;

/** Opens the form (cookie + token), then posts it as multipart/form-data, as a browser does. */
async function submit(fields: Record<string, string>, file?: Upload, opts: { csrf?: string | null; headers?: Record<string, string>; client?: FormClient } = {}) {
  const client = opts.client ?? new FormClient(app.url);
  const page = await client.get(FORM, opts.headers);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
  const body = new FormData();
  if (opts.csrf !== null) body.set('_csrf', opts.csrf ?? token);
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  body.set('beneficiaries', new Blob(file ? [new Uint8Array(file.bytes)] : []), file?.name ?? '');
  const res = await client.request(FORM, { method: 'POST', body, headers: opts.headers });
  return { res, html: await res.text(), client };
}

describe('the organisation order form', () => {
  it('is linked from the campaign page and offers a template CSV that makes a valid order', async () => {
    const client = new FormClient(app.url);
    const campaign = await client.get('/campagnes/seine-estuaire');
    expect(campaign.html).toContain(`href="${FORM}"`);
    expect(campaign.html).toContain('Commande entreprise / collectivité');

    const page = await client.get(FORM);
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('enctype="multipart/form-data"');
    expect(page.html).toMatch(/name="buyer\.siret"/);
    // Without JavaScript every part is there, with a hint saying which applies.
    expect(page.html).toMatch(/name="buyer\.serviceCode"/);
    expect(page.html).toMatch(/name="beneficiaries" type="file"/);
    expect(page.html).toContain('Pour les collectivités et organismes publics uniquement');
    expect(page.html).toContain('src="/js/org-order-form.js"');
    // The ceiling of the current year (Europe/Paris), from the injected clock.
    expect(text(page.html)).toMatch(new RegExp(`En ${parisDate(new Date()).slice(0, 4)}, les bons d’achat offerts à un salarié sont exonérés de cotisations sociales jusqu’à 200\\s€`));
    expect(page.html).toContain('value="mariage_pacs"');

    const template = await client.request(`${FORM}/modele.csv`);
    expect(template.status).toBe(200);
    expect(template.headers.get('content-type')).toContain('text/csv');
    expect(template.headers.get('content-disposition')).toContain('modele-beneficiaires.csv');
    const bytes = new Uint8Array(await template.arrayBuffer());
    // UTF-8 with a BOM, so that Excel shows the accents right.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes).split('\r\n')[0]).toBe('Nom;E-mail;Montant;Message');

    const posted = await submit({ ...TOWN_HALL }, { name: 'modele.csv', bytes });
    expect(posted.res.status, text(posted.html).slice(0, 2000)).toBe(303);
  });

  it('takes a company order by quantities per denomination and free amounts, paid by card', async () => {
    const before = await snapshot();
    const { res, html } = await submit({ ...COMPANY, qty_2000: '10', qty_5000: '4', free_amount_0: '35', free_qty_0: '2', giftEvent: 'noel' });
    expect(res.status, text(html).slice(0, 2000)).toBe(303);
    expect(res.headers.get('location')).toContain('/demo/checkout/');
    const order = (await rowOf(app, `SELECT * FROM orders WHERE buyer_email = @email ORDER BY created_at DESC LIMIT 1`, { email: COMPANY_BUYER.email }))!;
    expect(order).toMatchObject({ buyer_type: 'company', status: 'pending_payment', payment_method: 'card', total_cents: 10 * 20_00 + 4 * 50_00 + 2 * 35_00, siret: '73282932000074', vat_number: 'FR44732829320', gift_event: 'noel', contact_phone: '02 35 00 00 00' });
    const items = await rowsOf(app, 'SELECT amount_cents a, quantity q FROM order_items WHERE order_id = @order ORDER BY position', { order: order.id as string });
    expect(items).toEqual([{ a: 20_00, q: 10 }, { a: 50_00, q: 4 }, { a: 35_00, q: 2 }]);
    expect((await snapshot()).orders).toBe(before.orders + 1);
  });

  it('takes a town hall order from an Excel CSV (";", Windows-1252, « 50,00 € ») by bank transfer and shows the transfer reference', async () => {
    const { res, html, client } = await submit({ ...TOWN_HALL }, { name: 'bénéficiaires.csv', bytes: fixture('excel-fr-cp1252.csv') });
    expect(res.status, text(html).slice(0, 2000)).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/commande-organisation\/[\w-]+\?token=/);
    const orderId = location.split('/')[2]!.split('?')[0]!;
    const order = (await rowOf(app, 'SELECT * FROM orders WHERE id = @order', { order: orderId }))!;
    expect(order).toMatchObject({ buyer_type: 'municipality', status: 'pending_payment', payment_method: 'bank_transfer', total_cents: 50_00 + 30_00 + 150_00 + 20_00, purchase_order: 'EJ-2026-0042', service_code: 'SERV-SOCIAL' });
    const items = await rowsOf(app, 'SELECT recipient_name n, recipient_email e, amount_cents a, quantity q, message m FROM order_items WHERE order_id = @order ORDER BY position', { order: orderId });
    expect(items).toEqual([
      { n: 'Hélène Dupré', e: 'helene.dupre@mairie-exemple.fr', a: 50_00, q: 1, m: 'Merci pour votre engagement !' },
      { n: 'Jérôme Lefèvre', e: null, a: 30_00, q: 1, m: null },
      { n: 'Zoë Œhlenschläger', e: 'zoe.o@exemple.fr', a: 150_00, q: 1, m: 'Bonne fête de fin d’année' },
      { n: 'François Bœuf', e: 'francois.boeuf@exemple.fr', a: 20_00, q: 1, m: null },
    ]);

    const done = await client.get(location);
    expect(done.res.status).toBe(200);
    expect(done.res.headers.get('cache-control')).toBe('no-store');
    const page = text(done.html);
    expect(page).toContain(order.transfer_reference as string);
    expect(order.transfer_reference).toMatch(/^VIR[A-Z0-9]+$/);
    expect(page).toContain('FR76 3000 6000 0112 3456 7890 189');
    expect(page).toContain('AGRIFRPP');
    expect(page).toMatch(/250,00\s€/);
    const proforma = /href="([^"]+proforma\.pdf[^"]+)"/.exec(done.html)![1]!.replace(/&#x3D;/g, '=');
    const pdf = await client.request(proforma);
    expect(pdf.status).toBe(200);
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    // One mail is queued in the same transaction: the pro-forma (with the page link) for a new
    // organisation, the confirmation request when this town hall's SIRET and email are known.
    const queued = await rowsOf<{ payload: string }>(app, `SELECT payload FROM outbox_messages WHERE kind IN ('org_order_proforma', 'org_order_confirm')`);
    expect(queued.filter((m) => (JSON.parse(m.payload) as { orderId?: string }).orderId === orderId)).toHaveLength(1);

    // The operator records the transfer: the four named vouchers are issued.
    const paid = await fetch(`${app.url}/api/v1/orders/${orderId}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin.headers },
      body: JSON.stringify({ amountCents: 250_00, reference: 'BNK-ORG-FORM-1' }),
    });
    expect(paid.status).toBe(201);
    expect(await rowOf(app, 'SELECT COUNT(*) AS n FROM vouchers WHERE order_id = @order', { order: orderId })).toEqual({ n: 4 });
    expect(await readOn(app, (dialect) => ledgerChecks(FULL, dialect))).toEqual([]);
  });

  it.each([
    ['missing-columns.csv', [], ['Colonne du montant introuvable']],
    ['bad-amounts.csv', [2, 3, 4, 5, 6, 7], ['Le montant ne peut pas être négatif.', 'Le montant ne peut pas être nul.', 'Le montant a plus de deux décimales', 'Le montant n’est pas un nombre', 'Le montant est vide.', 'Cette adresse e-mail n’est pas valide.']],
    ['duplicates.csv', [4, 5, 7], ['Ce bénéficiaire figure déjà à la ligne 2.', 'Cette adresse e-mail figure déjà à la ligne 3, sous un autre nom.', 'Ce bénéficiaire figure déjà à la ligne 6.']],
  ])('refuses %s with a row-by-row report and creates nothing', async (file, lines, messages) => {
    const before = await snapshot();
    const { res, html } = await submit({ ...TOWN_HALL }, { name: file, bytes: fixture(file) });
    expect(res.status).toBe(422);
    expect(await snapshot()).toEqual(before);
    const page = text(html);
    expect(page).toContain('Le fichier contient des erreurs');
    for (const m of messages) expect(page).toContain(m);
    const table = /<table class="table" data-csv-errors>[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    const reported = [...table.matchAll(/<tr><td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1]));
    expect([...new Set(reported)]).toEqual(lines);
    // Everything typed is kept; the file section stays open.
    expect(html).toContain(`value="${TOWN_HALL_BUYER.organisation}"`);
    expect(html).toContain('value="EJ-2026-0042"');
    expect(html).toMatch(/value="file" checked/);
  });

  it('reports file errors in the user’s language, with the column', async () => {
    const { res, html } = await submit({ ...TOWN_HALL }, { name: 'bad.csv', bytes: fixture('org-two-bad-rows.csv') }, { headers: { 'accept-language': 'en' } });
    expect(res.status).toBe(422);
    const page = text(html);
    expect(page).toContain('The file contains errors');
    expect(page).toMatch(/3 Email This email address is not valid\./);
    expect(page).toMatch(/5 Amount The amount is not a number/);
  });

  it('shows a wrong SIRET beside its field and creates nothing', async () => {
    const before = await snapshot();
    const wrongKey = await submit({ ...COMPANY, 'buyer.siret': '73282932000075', qty_2000: '3' });
    expect(wrongKey.res.status).toBe(422);
    expect(wrongKey.html).toMatch(/id="org-siret"[^>]*aria-invalid="true"/);
    expect(text(wrongKey.html)).toContain('Ce SIRET n’existe pas : un chiffre est sans doute erroné.');
    expect(wrongKey.html).toContain('value="73282932000075"');
    const short = await submit({ ...COMPANY, 'buyer.siret': '1234', 'buyer.address.postalCode': '766', qty_2000: '3' });
    expect(short.res.status).toBe(422);
    expect(text(short.html)).toContain('Le SIRET comporte 14 chiffres.');
    expect(text(short.html)).toContain('Code postal invalide (5 chiffres).');
    // Quantities typed stay in place.
    expect(short.html).toMatch(/name="qty_2000" value="3"/);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses control and bidirectional-override characters beside their field and creates nothing (issue 13)', async () => {
    const before = await snapshot();
    const { res, html } = await submit({ ...COMPANY, 'buyer.organisation': 'Entreprise \u202eSAS', 'buyer.address.city': 'Le\u0000Havre', qty_2000: '1' });
    expect(res.status).toBe(422);
    expect(html).toMatch(/id="org-organisation"[^>]*aria-invalid="true"/);
    expect(html).toMatch(/id="org-city"[^>]*aria-invalid="true"/);
    expect(text(html)).toContain('Ce texte contient des caractères non autorisés');
    expect(await snapshot()).toEqual(before);
  });

  it('answers a file over 2 MB with 413 and the form, values kept, nothing created', async () => {
    const before = await snapshot();
    const big = Buffer.concat([Buffer.from('Nom;Montant\r\n'), Buffer.alloc(3 * 1024 * 1024, 'Jean Dupont;20\r\n')]);
    const { res, html } = await submit({ ...TOWN_HALL }, { name: 'big.csv', bytes: big });
    expect(res.status).toBe(413);
    expect(text(html)).toContain('Le fichier dépasse 2 Mo.');
    expect(html).toContain(`value="${TOWN_HALL_BUYER.organisation}"`);
    expect(await snapshot()).toEqual(before);

    // A body far beyond any form is refused before it is read: a plain 413 page.
    const huge = await submit({ ...TOWN_HALL }, { name: 'huge.csv', bytes: Buffer.alloc(9 * 1024 * 1024, 'a') });
    expect(huge.res.status).toBe(413);
    expect(text(huge.html)).toContain('Le formulaire envoyé est trop volumineux.');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a post without a valid CSRF token (403) and creates nothing', async () => {
    const before = await snapshot();
    const missing = await submit({ ...COMPANY, qty_2000: '1' }, undefined, { csrf: null });
    expect(missing.res.status).toBe(403);
    const forged = await submit({ ...COMPANY, qty_2000: '1' }, undefined, { csrf: 'x'.repeat(43) });
    expect(forged.res.status).toBe(403);
    // A token from another browser (its own cookie) is worthless with ours.
    const other = new FormClient(app.url);
    const otherToken = /name="_csrf" value="([^"]+)"/.exec((await other.get(FORM)).html)![1]!;
    const stolen = await submit({ ...COMPANY, qty_2000: '1' }, undefined, { csrf: otherToken });
    expect(stolen.res.status).toBe(403);
    // Not multipart at all: no token can be read from it.
    const client = new FormClient(app.url);
    const page = await client.get(FORM);
    const urlencoded = await client.post(FORM, { ...COMPANY, qty_2000: '1' }, page.html);
    expect(urlencoded.res.status).toBe(403);
    // A broken multipart body is a client error too, never a 5xx.
    const garbage = await client.request(FORM, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=xyz' }, body: '--xyz\r\nContent-Disposition: form-data\r\n\r\n' });
    expect(garbage.status).toBeGreaterThanOrEqual(400);
    expect(garbage.status).toBeLessThan(500);
    expect(await snapshot()).toEqual(before);
  });

  it('warns when a gift exceeds the employer ceiling, and accepts it for an event or when acknowledged', async () => {
    const year = parisDate(app.clock.now()).slice(0, 4);
    const key = ceilingSettingKey(Number(year));
    await rowsOf(app, 'DELETE FROM settings WHERE key = @key', { key });
    await rowsOf(app, 'INSERT INTO settings (key, value, updated_at) VALUES (@key, @value, @at)', { key, value: '4000', at: new Date().toISOString() });
    try {
      const before = await snapshot();
      const warned = await submit({ ...COMPANY, qty_5000: '5' });
      expect(warned.res.status).toBe(422);
      expect(text(warned.html)).toMatch(/Plafond d’exonération dépassé\. Un salarié recevrait 50,00\s€ cette année, au-delà du plafond d’exonération de 40,00\s€/);
      expect(text(warned.html)).toMatch(/jusqu’à 40\s€ par an/);
      expect(await snapshot()).toEqual(before);

      const withEvent = await submit({ ...COMPANY, qty_5000: '5', giftEvent: 'naissance' });
      expect(withEvent.res.status).toBe(303);
      const acknowledged = await submit({ ...COMPANY, qty_5000: '5', ceilingAcknowledged: '1' });
      expect(acknowledged.res.status).toBe(303);
      expect((await snapshot()).orders).toBe(before.orders + 2);
    } finally {
      await rowsOf(app, 'DELETE FROM settings WHERE key = @key', { key });
    }
  });

  it('asks for a file or at least one voucher, and a payment method', async () => {
    const noFile = await submit({ ...TOWN_HALL });
    expect(noFile.res.status).toBe(422);
    expect(text(noFile.html)).toContain('Choisissez le fichier des bénéficiaires.');
    const nothing = await submit({ ...COMPANY, paymentMethod: '' });
    expect(nothing.res.status).toBe(422);
    expect(text(nothing.html)).toContain('Choisissez au moins un bon.');
    expect(text(nothing.html)).toContain('Choisissez un moyen de paiement.');
    const outOfRange = await submit({ ...COMPANY, free_amount_0: '500', free_qty_0: '1' });
    expect(outOfRange.res.status).toBe(422);
    expect(text(outOfRange.html)).toMatch(/Ce montant n’est pas proposé : de 10,00\s€ à 150,00\s€\./);
  });
});
