import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowOf } from '../support/backend-query';
import { COMPANY_BUYER, paidVoucherOn, postOrder, shopKeyOn } from '../support/builders';
import { voucherStateOn } from '../support/builders-on';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 13, finding 6: the JSON API refuses control and bidirectional-override characters
 * in every free-text field, with a 422 naming the field, as the shop form already does.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const orders = async () => (await rowOf<{ n: number }>(app, 'SELECT COUNT(*) AS n FROM orders'))!.n;
const item = { amountCents: 2000, quantity: 1 };
const BAD = { nul: 'Ali\u0000ce', rlo: 'Alice \u202eeciveD', isolate: 'A\u2066B', escape: 'A\u001b[31mB', lineSeparator: 'A\u2028B' };

describe('JSON API text fields', () => {
  const cases: [string, (bad: string) => Record<string, unknown>][] = [
    ['buyer.name', (bad) => ({ buyer: { ...COMPANY_BUYER, name: bad }, items: [item] })],
    ['buyer.organisation', (bad) => ({ buyer: { ...COMPANY_BUYER, organisation: bad }, items: [item] })],
    ['buyer.address.lines.0', (bad) => ({ buyer: { ...COMPANY_BUYER, address: { ...COMPANY_BUYER.address, lines: [bad] } }, items: [item] })],
    ['buyer.address.city', (bad) => ({ buyer: { ...COMPANY_BUYER, address: { ...COMPANY_BUYER.address, city: bad } }, items: [item] })],
    ['buyer.purchaseOrder', (bad) => ({ buyer: { ...COMPANY_BUYER, purchaseOrder: bad }, items: [item] })],
    ['buyer.serviceCode', (bad) => ({ buyer: { ...COMPANY_BUYER, serviceCode: bad }, items: [item] })],
    ['buyer.siret', (bad) => ({ buyer: { ...COMPANY_BUYER, siret: bad }, items: [item] })],
    ['items.0.recipientName', (bad) => ({ buyer: COMPANY_BUYER, items: [{ ...item, recipientName: bad }] })],
    ['items.0.message', (bad) => ({ buyer: COMPANY_BUYER, items: [{ ...item, message: bad }] })],
    ['giftEvent', (bad) => ({ buyer: COMPANY_BUYER, giftEvent: bad, items: [item] })],
    ['campaign', (bad) => ({ campaign: bad, buyer: COMPANY_BUYER, items: [item] })],
  ];
  it.each(cases)('POST /api/v1/orders refuses them in %s with a 422 naming the field', async (field, body) => {
    const before = await orders();
    for (const [kind, bad] of Object.entries(BAD)) {
      const res = await postOrder(app.url, body(bad), { 'accept-language': 'en' });
      expect(res.status, `${field} ${kind}`).toBe(422);
      const { error } = await res.json();
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.fields, `${field} ${kind}`).toMatchObject({ [field]: expect.stringContaining('not allowed') });
    }
    expect(await orders()).toBe(before);
  });

  it('keeps ordinary text: accents, typographic quotes, emoji and a message on two lines', async () => {
    const res = await postOrder(app.url, {
      buyer: { ...COMPANY_BUYER, name: 'Zoë d’Arçon-Lefèvre', address: { ...COMPANY_BUYER.address, lines: ['3 rue de l’Église « bis »'] } },
      items: [{ ...item, recipientName: 'Jürgen Ørsted', message: 'Joyeux Noël 🎄\nÀ bientôt' }],
    });
    expect(res.status).toBe(201);
  });

  it('POST /api/v1/redemptions refuses them in the code', async () => {
    const key = await shopKeyOn(app, 'librairie-la-galerne');
    const voucher = await paidVoucherOn(app, 2000);
    const res = await fetch(`${app.url}/api/v1/redemptions`, {
      method: 'POST',
      headers: { ...key.headers, 'content-type': 'application/json', 'accept-language': 'fr' },
      body: JSON.stringify({ code: `${voucher.formatted}\u202e`, amountCents: 500, idempotencyKey: 'plain-text-1' }),
    });
    expect(res.status).toBe(422);
    expect((await res.json()).error).toMatchObject({ code: 'VALIDATION_FAILED', fields: { code: expect.stringContaining('non autorisés') } });
    expect((await voucherStateOn(app, voucher.code)).balanceCents).toBe(2000);
  });
});
