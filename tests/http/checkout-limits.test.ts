import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rowOf, rowsOf } from '../support/backend-query';
import { ledgerBreaches } from '../support/ledger-check';
import { adminKeyOn, TOWN_HALL_BUYER } from '../support/builders';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

/**
 * What one card payment can carry, against the strict Stripe stand-in: an organisation's
 * order with a service fee is charged fee and VAT (and issued), a large beneficiaries list
 * fits in Stripe's 100 line items, an order above Stripe's maximum charge is refused for card
 * with the bank-transfer way out, and the campaign's ceilings (amount and voucher count) hold
 * on the API, the organisation form and its beneficiaries file.
 */
const SECRET_KEY = 'sk_test_checkout_limits_51Hx';
const WEBHOOK_SECRET = 'whsec_test_checkout_limits';
const FORM = '/campagnes/seine-estuaire/commande-organisation';

let stripe: FakeStripe;
let app: TestApp;
let defaults: Record<string, number>;
const LIMIT_COLUMNS = ['org_fee_bps', 'max_order_cents_org', 'max_vouchers_per_org_order', 'max_order_cents_individual', 'max_vouchers_per_order', 'max_amount_cents'] as const;
type Column = (typeof LIMIT_COLUMNS)[number];

beforeAll(async () => {
  stripe = await startFakeStripe({ secretKey: SECRET_KEY });
  app = await startTestApp({ stripe: { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, apiBase: stripe.url } });
  defaults = (await rowOf<Record<string, number>>(app, `SELECT ${LIMIT_COLUMNS.join(', ')} FROM campaigns WHERE slug = 'seine-estuaire'`))!;
});
afterEach(() => setCampaign(defaults));
afterAll(async () => {
  await app?.close();
  await stripe?.close();
});

async function setCampaign(values: Partial<Record<Column, number>>) {
  const sets = Object.keys(values).map((k) => `${k} = @${k}`).join(', ');
  await rowsOf(app, `UPDATE campaigns SET ${sets} WHERE slug = 'seine-estuaire'`, values);
}

const count = async (table: string) => (await rowOf<{ n: number }>(app, `SELECT COUNT(*) AS n FROM ${table}`))!.n;
const snapshot = async () => ({ orders: await count('orders'), items: await count('order_items'), sessions: stripe.sessions.size });
/** Page text with tags removed, entities and French spaces (U+202F, U+00A0) made plain. */
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=').replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/[\u202f\u00a0]/g, ' ').replace(/\s+/g, ' ');
const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');

type Item = { amountCents: number; quantity: number; recipientName?: string };

async function postOrder(items: Item[], paymentMethod: 'card' | 'bank_transfer', headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ campaign: 'seine-estuaire', buyer: TOWN_HALL_BUYER, items, paymentMethod }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** The Checkout Session request the app sent for an order, decoded as Stripe reads it. */
function checkoutRequest(orderId: string) {
  const request = stripe.requests.find((r) => r.path === '/v1/checkout/sessions' && r.idempotencyKey === `checkout-${orderId}` && r.status === 200);
  expect(request, 'a Checkout Session request for the order').toBeDefined();
  const lines = (request!.params as any).line_items as { quantity: string; price_data: { unit_amount: string; product_data: { name: string } } }[];
  return lines.map((l) => ({ quantity: Number(l.quantity), unitAmount: Number(l.price_data.unit_amount), name: l.price_data.product_data.name }));
}

/** Pays the order's session and delivers the signed webhook, as Stripe would. */
async function pay(orderId: string) {
  const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === orderId)!;
  return stripe.deliver(app.url, stripe.event('checkout.session.completed', stripe.completeSession(session.id)), WEBHOOK_SECRET);
}

const issued = (orderId: string) => count(`vouchers WHERE order_id = '${orderId}'`);

/** Opens the organisation form (cookie + token) and posts it as multipart, as a browser does. */
async function submitOrgForm(fields: Record<string, string>, file?: { name: string; bytes: Uint8Array }, headers: Record<string, string> = {}) {
  const client = new FormClient(app.url);
  const page = await client.get(FORM, headers);
  const body = new FormData();
  body.set('_csrf', /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '');
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  body.set('beneficiaries', new Blob(file ? [new Uint8Array(file.bytes)] : []), file?.name ?? '');
  const res = await client.request(FORM, { method: 'POST', body, headers });
  return { res, html: await res.text() };
}

const TOWN_HALL_FIELDS = {
  'buyer.type': 'municipality',
  'buyer.organisation': TOWN_HALL_BUYER.organisation,
  'buyer.siret': TOWN_HALL_BUYER.siret,
  'buyer.address.lines': TOWN_HALL_BUYER.address.lines[0],
  'buyer.address.postalCode': TOWN_HALL_BUYER.address.postalCode,
  'buyer.address.city': TOWN_HALL_BUYER.address.city,
  'buyer.name': TOWN_HALL_BUYER.name,
  'buyer.email': TOWN_HALL_BUYER.email,
  voucherSource: 'amounts',
};

describe('checkout charges exactly the order total', () => {
  it('charges an organisation card order its service fee and VAT as their own lines, and issues its vouchers when paid', async () => {
    await setCampaign({ org_fee_bps: 250 });
    const { status, body } = await postOrder([{ amountCents: 5000, quantity: 3 }, { amountCents: 2000, quantity: 2 }], 'card');
    expect(status, JSON.stringify(body)).toBe(201);
    // 190 € of vouchers, fee 2,5 % = 4,75 €, VAT 20 % on the fee = 0,95 €.
    expect(body.order.totalCents).toBe(19_570);
    const lines = checkoutRequest(body.order.id);
    expect(lines).toEqual([
      { quantity: 3, unitAmount: 5000, name: expect.stringContaining('50,00') },
      { quantity: 2, unitAmount: 2000, name: expect.stringContaining('20,00') },
      { quantity: 1, unitAmount: 475, name: 'Frais de service (HT)' },
      { quantity: 1, unitAmount: 95, name: 'TVA sur les frais de service' },
    ]);
    const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === body.order.id)!;
    expect(session.amount_total).toBe(19_570);

    expect(await pay(body.order.id)).toEqual({ status: 200, body: { received: true, outcome: 'issued' } });
    expect(await issued(body.order.id)).toBe(5);
    const row = await rowOf(app, 'SELECT status, paid_cents, review_reason FROM orders WHERE id = @id', { id: body.order.id });
    expect(row).toEqual({ status: 'paid', paid_cents: 19_570, review_reason: null });
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('fits a 150-beneficiary card order in at most 100 line items, for exactly its total', async () => {
    await setCampaign({ org_fee_bps: 250 });
    // 150 different values (10,00 € to 24,90 €): one summary line, then the fee and its VAT.
    const items = Array.from({ length: 150 }, (_, i) => ({ amountCents: 1000 + i * 10, quantity: 1, recipientName: `Agent ${i + 1}` }));
    const { status, body } = await postOrder(items, 'card');
    expect(status, JSON.stringify(body)).toBe(201);
    const face = items.reduce((n, i) => n + i.amountCents, 0);
    expect(body.order.totalCents).toBe(face + 6544 + 1309);
    const lines = checkoutRequest(body.order.id);
    expect(lines.length).toBeLessThanOrEqual(100);
    expect(lines.reduce((n, l) => n + l.quantity * l.unitAmount, 0)).toBe(body.order.totalCents);
    expect({ ...lines[0], name: plain(lines[0]!.name) }).toEqual({ quantity: 1, unitAmount: face, name: '150 bons d’achat de 10,00 € à 24,90 € – Chèques cadeaux Seine Estuaire' });
    expect(await pay(body.order.id)).toEqual({ status: 200, body: { received: true, outcome: 'issued' } });
    expect(await issued(body.order.id)).toBe(150);

    // 150 beneficiaries on three values: three lines, value × count.
    const three = Array.from({ length: 150 }, (_, i) => ({ amountCents: [1000, 2000, 5000][i % 3]!, quantity: 1, recipientName: `Agent ${i + 1}` }));
    const again = await postOrder(three, 'card');
    expect(again.status).toBe(201);
    expect(checkoutRequest(again.body.order.id).map((l) => [l.quantity, l.unitAmount])).toEqual([[50, 1000], [50, 2000], [50, 5000], [1, 10_000], [1, 2000]]);
    expect(await ledgerBreaches(app)).toEqual([]);
  });
});

describe('what one card payment can carry', () => {
  it('refuses a 1 050 000 € card order with the bank-transfer offer, and takes it by bank transfer', async () => {
    await setCampaign({ max_order_cents_org: 2_000_000_00 });
    const items = [{ amountCents: 150_00, quantity: 7000 }];
    const before = await snapshot();
    const fr = await postOrder(items, 'card');
    expect(fr.status).toBe(422);
    expect(fr.body.error.code).toBe('CARD_AMOUNT_TOO_LARGE');
    expect(plain(fr.body.error.message)).toBe(
      'Le total de la commande (1 050 000,00 €) dépasse ce qu’un paiement par carte peut porter (999 999,99 €). Choisissez le paiement par virement bancaire, ou répartissez les bons sur plusieurs commandes.',
    );
    expect(Object.keys(fr.body.error.fields)).toEqual(['paymentMethod']);
    const en = await postOrder(items, 'card', { 'accept-language': 'en' });
    expect(en.status).toBe(422);
    expect(en.body.error.message).toContain('Choose payment by bank transfer');
    expect(await snapshot()).toEqual(before);

    // 7 000 vouchers: beyond what anyone may order online (500), the operator places it (admin key).
    const online = await postOrder(items, 'bank_transfer');
    expect(online.status).toBe(422);
    expect(online.body.error.code).toBe('ORDER_LIMIT_EXCEEDED');
    const admin = (await adminKeyOn(app, 'ops')).key;
    const byTransfer = await postOrder(items, 'bank_transfer', { authorization: `Bearer ${admin}` });
    expect(byTransfer.status, JSON.stringify(byTransfer.body)).toBe(201);
    expect(byTransfer.body.order.totalCents).toBe(1_050_000_00);
  });

  it('says so on the organisation form, beside the payment choice, and on the individual purchase form', async () => {
    await setCampaign({ max_order_cents_org: 2_000_000_00, max_order_cents_individual: 2_000_000_00, max_vouchers_per_order: 1000, max_amount_cents: 5000_00 });
    const before = await snapshot();
    const org = await submitOrgForm({ ...TOWN_HALL_FIELDS, free_amount_0: '150', free_qty_0: '7000', paymentMethod: 'card' });
    expect(org.res.status).toBe(422);
    expect(org.html).toContain('aria-describedby="org-payment-error"');
    const besidePayment = /id="org-payment-error"[^>]*>([\s\S]*?)<\/p>/.exec(org.html)?.[1] ?? '';
    expect(text(besidePayment)).toContain('dépasse ce qu’un paiement par carte peut porter (999 999,99 €). Choisissez le paiement par virement bancaire');

    const client = new FormClient(app.url);
    const form = await client.get('/campagnes/seine-estuaire/commander');
    const lines = Object.fromEntries([0, 1, 2, 3, 4].flatMap((i) => [[`amount_${i}`, 'other'], [`custom_${i}`, '2100'], [`qty_${i}`, '100']]));
    const individual = await client.post('/campagnes/seine-estuaire/commander', { ...lines, buyerName: 'Alice', buyerEmail: 'alice@example.org' }, form.html);
    expect(individual.res.status).toBe(422);
    expect(text(individual.html)).toContain('Le total de la commande (1 050 000,00 €) dépasse ce qu’un paiement par carte peut porter (999 999,99 €).');
    expect(text(individual.html)).toContain('pour payer par virement bancaire');
    expect(await snapshot()).toEqual(before);
  });
});

describe('the campaign ceilings and the voucher count hold on every path', () => {
  it("enforces the campaign's organisation order ceiling on the API and the form", async () => {
    await setCampaign({ max_order_cents_org: 1000_00 });
    const published = (await (await fetch(`${app.url}/api/v1/campaigns/seine-estuaire`)).json()) as any;
    expect(published.campaign).toMatchObject({ maxOrderCentsOrg: 1000_00, maxVouchersPerOrgOrder: 10_000 });
    const before = await snapshot();
    const over = await postOrder([{ amountCents: 5000, quantity: 21 }], 'bank_transfer');
    expect(over.status).toBe(422);
    expect(over.body.error).toMatchObject({ code: 'ORDER_LIMIT_EXCEEDED', fields: { items: expect.any(String) } });
    expect(plain(over.body.error.message)).toBe('Une commande ne peut dépasser 1 000,00 €.');
    const form = await submitOrgForm({ ...TOWN_HALL_FIELDS, qty_5000: '21', paymentMethod: 'bank_transfer' });
    expect(form.res.status).toBe(422);
    expect(text(form.html)).toContain('Une commande ne peut dépasser 1 000,00 €.');
    expect(await snapshot()).toEqual(before);

    const atTheCeiling = await postOrder([{ amountCents: 5000, quantity: 20 }], 'bank_transfer');
    expect(atTheCeiling.status).toBe(201);
  });

  it('bounds the total number of vouchers on the API, the form and the beneficiaries file', async () => {
    const before = await snapshot();
    // Each line and quantity is within the API's bounds; together 12 000 vouchers.
    const api = await postOrder([{ amountCents: 1000, quantity: 6000 }, { amountCents: 2000, quantity: 6000 }], 'bank_transfer', { 'accept-language': 'en' });
    expect(api.status).toBe(422);
    expect(api.body.error).toMatchObject({ code: 'ORDER_LIMIT_EXCEEDED', message: 'An order holds at most 10000 vouchers.' });

    await setCampaign({ max_vouchers_per_org_order: 50 });
    const apiCampaign = await postOrder([{ amountCents: 1000, quantity: 30 }, { amountCents: 2000, quantity: 21 }], 'bank_transfer');
    expect(apiCampaign.status).toBe(422);
    expect(apiCampaign.body.error).toMatchObject({ code: 'ORDER_LIMIT_EXCEEDED', message: 'Une commande comprend au plus 50 bons.' });
    const form = await submitOrgForm({ ...TOWN_HALL_FIELDS, qty_1000: '30', qty_2000: '21', paymentMethod: 'bank_transfer' });
    expect(form.res.status).toBe(422);
    expect(text(form.html)).toContain('Une commande comprend au plus 50 bons : répartissez-les dans plusieurs commandes.');
    const csv = ['Nom;E-mail;Montant', ...Array.from({ length: 51 }, (_, i) => `Agent ${i + 1};;20`)].join('\r\n');
    const file = await submitOrgForm({ ...TOWN_HALL_FIELDS, voucherSource: 'file', paymentMethod: 'bank_transfer' }, { name: 'agents.csv', bytes: new TextEncoder().encode(csv) });
    expect(file.res.status).toBe(422);
    expect(text(file.html)).toContain('Le fichier compte 51 bénéficiaires ; une commande en accepte au plus 50.');
    expect(await snapshot()).toEqual(before);

    const fifty = await postOrder([{ amountCents: 1000, quantity: 30 }, { amountCents: 2000, quantity: 20 }], 'bank_transfer');
    expect(fifty.status).toBe(201);
  });
});
