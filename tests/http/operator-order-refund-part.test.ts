/**
 * The refund part of the back-office order page (refunds-view.ts) on the app's backend
 * (TEST_BACKEND=postgres runs it on PostgreSQL): what the form offers is the unused balance
 * of a paid card order, nothing for a bank transfer order or a viewer; a refund under way
 * holds the form back and says so; a refund made is listed and leaves nothing to offer.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginRefundSteps, refundUnits } from '../../server/domain/orders/refunds-service';
import { systemClock } from '../../server/lib/clock';
import { rowOf } from '../support/backend-query';
import { postOrder, shopKey, TOWN_HALL_BUYER, type BuiltKey } from '../support/builders';
import { paidOrderWithToken } from '../support/gift-orders';
import { DEMO_ADMIN_EMAIL, DEMO_VIEWER_EMAIL, operatorClient } from '../support/operator';
import { startTestApp, type FormClient, type TestApp } from '../support/test-app';

let app: TestApp;
let admin: FormClient;
let viewer: FormClient;
let till: BuiltKey;

beforeAll(async () => {
  // The till's key is made before the start: on PostgreSQL the data built on SQLite is copied over.
  app = await startTestApp({ prepare: (database) => void (till = shopKey({ database, clock: systemClock }, 'librairie-la-galerne')) });
  admin = await operatorClient(app.url, DEMO_ADMIN_EMAIL);
  viewer = await operatorClient(app.url, DEMO_VIEWER_EMAIL);
});
afterAll(() => app?.close());

const offered = (html: string) => /data-refundable>([^<]+)</.exec(html)?.[1]?.replace(/\s/gu, ' ') ?? null;

async function redeem(voucherId: string, amountCents: number) {
  const { code } = (await rowOf<{ code: string }>(app, 'SELECT code FROM vouchers WHERE id = @id', { id: voucherId }))!;
  const res = await fetch(`${app.url}/api/v1/redemptions`, {
    method: 'POST',
    headers: { ...till.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ code, amountCents, idempotencyKey: `refund-part-${randomUUID()}` }),
  });
  expect(res.status).toBe(201);
}

describe('the refund part of the order page', () => {
  it('offers what is left on a paid card order to an admin; a refund made is listed and leaves nothing to offer', async () => {
    const { order, voucherIds } = await paidOrderWithToken(app, { amountCents: 25_00, quantity: 2 });
    expect(offered((await admin.get(`/operateur/commandes/${order.id}`)).html)).toBe('50,00 €');
    await redeem(voucherIds[0]!, 10_00);
    const page = await admin.get(`/operateur/commandes/${order.id}`);
    expect(offered(page.html)).toBe('40,00 €');
    expect(page.html).not.toContain('data-refund=');
    const viewed = await viewer.get(`/operateur/commandes/${order.id}`);
    expect(viewed.res.status).toBe(200);
    expect(offered(viewed.html)).toBeNull();

    const refunded = await admin.post(`/operateur/commandes/${order.id}/rembourser`, { reason: 'le bénéficiaire déménage' }, page.html);
    expect(refunded.res.status).toBe(303);
    const after = await admin.get(refunded.res.headers.get('location')!);
    expect(after.res.status).toBe(200);
    expect(after.html).toContain('data-refund="succeeded"');
    expect(after.html).toContain('le bénéficiaire déménage');
    expect(offered(after.html)).toBeNull();
  });

  it('holds the form back while a refund is under way, and says how much', async () => {
    const { order } = await paidOrderWithToken(app, { amountCents: 30_00 });
    await refundUnits(app)((s) => beginRefundSteps(s, app.clock.now(), { orderId: order.id, actor: 'test', reason: 'en attente du prestataire' }));
    const page = await admin.get(`/operateur/commandes/${order.id}`);
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('data-refund-pending>');
    expect(page.html).toMatch(/data-refund-pending-amount>[^]*?<strong>30,00\s€<\/strong>/u);
    expect(page.html).toContain('data-refund="pending"');
    expect(offered(page.html)).toBeNull();
  });

  it('offers nothing on a bank transfer order', async () => {
    const res = await postOrder(app.url, { buyer: { ...TOWN_HALL_BUYER, organisation: 'Mairie de Honfleur' }, items: [{ amountCents: 50_00, quantity: 1 }] });
    expect(res.status).toBe(201);
    const { order } = (await res.json()) as { order: { id: string } };
    const page = await admin.get(`/operateur/commandes/${order.id}`);
    expect(page.res.status).toBe(200);
    expect(offered(page.html)).toBeNull();
    expect(page.html).not.toContain('data-refund=');
  });
});
