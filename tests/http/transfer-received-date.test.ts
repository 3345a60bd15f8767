import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowOf } from '../support/backend-query';
import { postOrder, TOWN_HALL_BUYER, type BuiltKey } from '../support/builders';
import { adminKeyOn } from '../support/builders';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

/**
 * Found by the fuzzer (issue 13): POST /api/v1/orders/:id/payments took a transfer
 * « received » on 0001-01-01, which the paid invoice and the FEC then carried. A transfer
 * quotes the order's reference, so it cannot arrive before the order's (Paris) day.
 */
const clock = fixedClock(new Date('2026-11-16T09:00:00Z'));
let app: TestApp;
let admin: BuiltKey;
beforeAll(async () => {
  app = await startTestApp({ clock });
  admin = await adminKeyOn(app);
});
afterAll(() => app.close());

async function pendingOrder(): Promise<string> {
  const res = await postOrder(app.url, { buyer: TOWN_HALL_BUYER, items: [{ amountCents: 5000, quantity: 1 }] });
  return ((await res.json()) as { order: { id: string } }).order.id;
}
const pay = (orderId: string, receivedAt: string, reference: string) =>
  fetch(`${app.url}/api/v1/orders/${orderId}/payments`, {
    method: 'POST',
    headers: { ...admin.headers, 'content-type': 'application/json', 'accept-language': 'en' },
    body: JSON.stringify({ amountCents: 1000, reference, receivedAt }),
  });
const payments = async (orderId: string) => (await rowOf<{ n: number }>(app, 'SELECT COUNT(*) AS n FROM payments WHERE order_id = @orderId', { orderId }))!.n;

describe('the date a bank transfer was received', () => {
  // Years before 2000 are refused earlier still, by the strict date reader (issue 13 finding 4).
  it.each(['0001-01-01T00:00:00Z', '1970-01-01T00:00:00Z'])('refuses %s, outside the dates the API takes', async (receivedAt) => {
    const id = await pendingOrder();
    const res = await pay(id, receivedAt, `VIR-ANCIENT-${receivedAt.slice(0, 4)}`);
    expect(res.status).toBe(422);
    expect((await res.json()).error).toMatchObject({ code: 'VALIDATION_FAILED', fields: { receivedAt: expect.stringContaining('2000') } });
    expect(await payments(id)).toBe(0);
  });

  it.each(['2000-01-01T00:00:00Z', '2026-01-01T12:00:00Z', '2026-11-15T22:59:59Z'])('refuses %s, before the order’s day', async (receivedAt) => {
    const id = await pendingOrder();
    const res = await pay(id, receivedAt, `VIR-EARLY-${receivedAt.slice(0, 4)}-${receivedAt.slice(11, 13)}`);
    expect(res.status).toBe(422);
    expect((await res.json()).error).toMatchObject({ code: 'VALIDATION_FAILED', fields: { receivedAt: 'The date received cannot be before the order was placed.' } });
    expect(await payments(id)).toBe(0);
  });

  it('takes the order’s Paris day from midnight on (the form gives a day), and today', async () => {
    const id = await pendingOrder();
    // 2026-11-16 00:00 in Paris is 2026-11-15T23:00Z.
    expect((await pay(id, '2026-11-15T23:00:00Z', 'VIR-SAME-DAY')).status).toBe(201);
    expect((await pay(id, '2026-11-16T08:59:00Z', 'VIR-TODAY')).status).toBe(201);
    expect(await payments(id)).toBe(2);
  });
});
