import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../server/domain/merchants/api-keys-service';
import { systemClock } from '../../server/lib/clock';
import { rowOf } from '../support/backend-query';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
// Made on the seeded SQLite file before the app starts (copied to PostgreSQL with the rest).
let keys: { admin: string; shop: string };
beforeAll(async () => {
  app = await startTestApp({
    prepare: (database) => {
      const shopId = (database.sqlite.prepare(`SELECT id FROM merchants LIMIT 1`).get() as { id: string }).id;
      keys = {
        admin: createApiKey({ database, clock: systemClock }, { kind: 'admin', label: 'ops' }).key,
        shop: createApiKey({ database, clock: systemClock }, { kind: 'merchant', merchantId: shopId, label: 'till' }).key,
      };
    },
  });
});
afterAll(() => app.close());

const counts = () => rowOf(app, 'SELECT (SELECT COUNT(*) FROM orders) AS o, (SELECT COUNT(*) FROM order_items) AS i, (SELECT COUNT(*) FROM vouchers) AS v');
const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/api/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const valid = {
  campaign: 'seine-estuaire',
  buyer: { type: 'individual', name: 'Alice', email: 'alice@example.org' },
  items: [{ amountCents: 2000, quantity: 2, recipientName: 'Bob', message: 'Bon anniversaire' }],
  paymentMethod: 'card',
};

describe('public campaign API', () => {
  it('lists campaigns with the contract fields', async () => {
    const body = await (await fetch(`${app.url}/api/v1/campaigns`)).json();
    expect(body.campaigns).toHaveLength(2);
    expect(body.campaigns[0]).toEqual({ slug: 'seine-estuaire', name: 'Chèques cadeaux Seine Estuaire', status: 'active', targetCents: 6000000, soldCents: 98500, redeemedCents: 0, currency: 'EUR' });
  });

  it('details one campaign and its merchants', async () => {
    const { campaign } = await (await fetch(`${app.url}/api/v1/campaigns/seine-estuaire`)).json();
    expect(campaign).toMatchObject({ denominationsCents: [1000, 2000, 5000], minAmountCents: 1000, maxAmountCents: 15000, validityDays: 365 });
    expect(typeof campaign.startsAt).toBe('string');
    expect(campaign).toHaveProperty('endsAt');
    const { merchants } = await (await fetch(`${app.url}/api/v1/campaigns/noel-fecamp/merchants`)).json();
    expect(merchants).toHaveLength(4);
    expect(Object.keys(merchants[0]).sort()).toEqual(['category', 'city', 'name', 'slug']);
  });

  it('answers 404 CAMPAIGN_NOT_FOUND in the contract error shape', async () => {
    const res = await fetch(`${app.url}/api/v1/campaigns/nope`, { headers: { 'accept-language': 'en' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'CAMPAIGN_NOT_FOUND', message: 'This scheme does not exist.' } });
  });
});

describe('POST /api/v1/orders', () => {
  it('creates a pending order with a payment URL and an access token', async () => {
    const res = await post(valid);
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.order).toMatchObject({ status: 'pending_payment', totalCents: 4000, paymentMethod: 'card' });
    expect(body.order.reference).toMatch(/^CMD-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(body.paymentUrl).toContain(`${app.url}/demo/checkout/`);
    expect(body.accessToken).toMatch(/^[\w-]{43}$/);

    const view = await fetch(`${app.url}/api/v1/orders/${body.order.id}`, { headers: { authorization: `Bearer ${body.accessToken}` } });
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({ order: { id: body.order.id, status: 'pending_payment' }, vouchers: [] });
    const denied = await fetch(`${app.url}/api/v1/orders/${body.order.id}`, { headers: { authorization: 'Bearer nope' } });
    expect(denied.status).toBe(404);
    const pdf = await fetch(`${app.url}/api/v1/orders/${body.order.id}/vouchers.pdf`, { headers: { authorization: `Bearer ${body.accessToken}` } });
    expect(pdf.status).toBe(409);
    expect((await pdf.json()).error.code).toBe('ORDER_NOT_PAID');
  });

  it('lets an admin key read any order, but not a shop key', async () => {
    const created = await (await post(valid)).json();
    const { admin, shop } = keys;
    const asAdmin = await fetch(`${app.url}/api/v1/orders/${created.order.id}`, { headers: { authorization: `Bearer ${admin}` } });
    expect(asAdmin.status).toBe(200);
    expect((await asAdmin.json()).order.id).toBe(created.order.id);
    expect((await fetch(`${app.url}/api/v1/orders/${created.order.id}`, { headers: { authorization: `Bearer ${shop}` } })).status).toBe(404);
    expect((await fetch(`${app.url}/api/v1/orders/nope`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(404);
  });

  const bad: [string, unknown, number, string, string?][] = [
    ['unknown campaign', { ...valid, campaign: 'nope' }, 404, 'CAMPAIGN_NOT_FOUND'],
    ['zero amount', { ...valid, items: [{ amountCents: 0, quantity: 1 }] }, 422, 'VALIDATION_FAILED', 'items.0.amountCents'],
    ['negative amount', { ...valid, items: [{ amountCents: -2000, quantity: 1 }] }, 422, 'VALIDATION_FAILED', 'items.0.amountCents'],
    ['fractional cents', { ...valid, items: [{ amountCents: 2000.5, quantity: 1 }] }, 422, 'VALIDATION_FAILED', 'items.0.amountCents'],
    ['amount as string', { ...valid, items: [{ amountCents: '2000', quantity: 1 }] }, 422, 'VALIDATION_FAILED', 'items.0.amountCents'],
    ['huge amount', { ...valid, items: [{ amountCents: 1e15, quantity: 1 }] }, 422, 'VALIDATION_FAILED', 'items.0.amountCents'],
    ['amount not offered', { ...valid, items: [{ amountCents: 999, quantity: 1 }] }, 422, 'AMOUNT_NOT_ALLOWED', 'items.0.amountCents'],
    ['zero quantity', { ...valid, items: [{ amountCents: 2000, quantity: 0 }] }, 422, 'VALIDATION_FAILED', 'items.0.quantity'],
    ['no items', { ...valid, items: [] }, 422, 'VALIDATION_FAILED', 'items'],
    ['bad email', { ...valid, buyer: { ...valid.buyer, email: 'nope' } }, 422, 'VALIDATION_FAILED', 'buyer.email'],
    ['missing name', { ...valid, buyer: { type: 'individual', email: 'a@example.org' } }, 422, 'VALIDATION_FAILED', 'buyer.name'],
    ['unknown buyer type', { ...valid, buyer: { ...valid.buyer, type: 'alien' } }, 422, 'VALIDATION_FAILED', 'buyer.type'],
    ['unknown field', { ...valid, discount: 100 }, 422, 'VALIDATION_FAILED', '_'],
    ['too many vouchers', { ...valid, items: [{ amountCents: 1000, quantity: 51 }] }, 422, 'ORDER_LIMIT_EXCEEDED', 'items'],
    ['order too large', { ...valid, items: [{ amountCents: 5000, quantity: 31 }] }, 422, 'ORDER_LIMIT_EXCEEDED', 'items'],
    ['bank transfer', { ...valid, paymentMethod: 'bank_transfer' }, 422, 'PAYMENT_METHOD_UNAVAILABLE'],
    ['unknown payment method', { ...valid, paymentMethod: 'cash' }, 422, 'VALIDATION_FAILED', 'paymentMethod'],
    ['not an object', [1, 2], 422, 'VALIDATION_FAILED'],
    ['malformed JSON', '{"campaign":', 400, 'MALFORMED_JSON'],
  ];
  it.each(bad)('rejects %s with a stable code and changes nothing', async (_name, body, status, code, field) => {
    const before = await counts();
    const res = await post(body);
    expect(res.status).toBe(status);
    const json = await res.json();
    expect(json.error.code).toBe(code);
    expect(typeof json.error.message).toBe('string');
    if (field) expect(Object.keys(json.error.fields ?? {})).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it('answers in the caller’s language', async () => {
    const res = await post({ ...valid, buyer: { ...valid.buyer, email: 'x' } }, { 'accept-language': 'en' });
    const json = await res.json();
    expect(json.error.message).toBe('Some data is invalid.');
    expect(json.error.fields['buyer.email']).toMatch(/valid email/);
  });

  it('refuses an oversized body with 413 (over 5 MB: an organisation may send 10 000 beneficiaries)', async () => {
    const res = await post({ ...valid, buyer: { ...valid.buyer, name: 'x'.repeat(5_300_000) } });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('unknown API paths are JSON 404s', async () => {
    const res = await fetch(`${app.url}/api/v1/nothing`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NOT_FOUND');
  });
});

describe('rate limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await startTestApp({ rateLimits: { ordersPer10Min: 3, voucherMissesPer10Min: 5 } });
  });
  afterAll(() => limited.close());

  it('limits order creation per IP', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${limited.url}/api/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(valid) });
      statuses.push(res.status);
      if (res.status === 429) expect((await res.json()).error.code).toBe('RATE_LIMITED');
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
  });

  it('limits failed voucher lookups but never a holder opening a real voucher', async () => {
    const code = (await rowOf<{ code: string }>(limited, 'SELECT code FROM vouchers LIMIT 1'))!.code;
    for (let i = 0; i < 5; i++) expect((await fetch(`${limited.url}/v/2222-2222-2222-2222-222${i}`)).status).toBe(404);
    expect((await fetch(`${limited.url}/v/2222-2222-2222-2222-2229`)).status).toBe(429);
    // Successful lookups are not counted, but once locked out the IP waits like everyone.
    const fresh = await startTestApp({ rateLimits: { ordersPer10Min: 3, voucherMissesPer10Min: 2 } });
    try {
      const c2 = (await rowOf<{ code: string }>(fresh, 'SELECT code FROM vouchers LIMIT 1'))!.code;
      for (let i = 0; i < 10; i++) expect((await fetch(`${fresh.url}/v/${c2}`)).status).toBe(200);
    } finally {
      await fresh.close();
    }
    expect(code).toBeTruthy();
  });
});
