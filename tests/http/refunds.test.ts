/**
 * Refunding a card order's unused vouchers through the Stripe stand-in (real SDK requests:
 * session lookup, POST /v1/refunds with our refund id as Idempotency-Key), the operator
 * page, the till afterwards and the books.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginRefundSteps, callProvider, refundUnits, refundUnusedVouchers } from '../../server/domain/orders/refunds-service';
import { createLogger } from '../../server/lib/logger';
import { stripeClient } from '../../server/payments/stripe-provider';
import { rowsOf } from '../support/backend-query';
import { buyVouchersOn, postOrder, shopKeyOn, TOWN_HALL_BUYER, type BuiltKey } from '../support/builders';
import { ledgerBreaches } from '../support/ledger-check';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';
import { operatorClient } from '../support/operator';

const SECRET_KEY = 'sk_test_bons_locaux_refunds';
const WEBHOOK_SECRET = 'whsec_test_bons_locaux_refunds';
let stripe: FakeStripe;
let app: TestApp;
let admin: FormClient;
let viewer: FormClient;
let till: BuiltKey;

const signedIn = (email: string, password?: string) => operatorClient(app.url, email, password);

beforeAll(async () => {
  stripe = await startFakeStripe({ secretKey: SECRET_KEY });
  app = await startTestApp({ stripe: { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, apiBase: stripe.url } });
  admin = await signedIn('operateur@demo.bons-locaux.fr');
  viewer = await signedIn('lecture@demo.bons-locaux.fr');
  till = await shopKeyOn(app, 'bijouterie-falaise');
});
afterAll(async () => {
  await app?.close();
  await stripe?.close();
});

const deps = () => ({ database: app.database, pg: app.pg, clock: app.clock, payments: app.payments, logger: createLogger('silent') });
/** Rows on the app's backend (backend-query.ts `rowsOf`), the `?` placeholders numbered as `@p1`, `@p2`… */
const all = <T,>(sql: string, ...args: string[]) => {
  let i = 0;
  return rowsOf<T>(app, sql.replace(/\?/g, () => `@p${++i}`), Object.fromEntries(args.map((a, k) => [`p${k + 1}`, a])));
};
const get = async <T,>(sql: string, ...args: string[]) => (await all<T>(sql, ...args))[0]!;
const vouchers = (orderId: string) =>
  all<{ code: string; amount: number; balance: number; status: string; bonus: number }>(`SELECT v.code, v.amount_cents AS amount, v.balance_cents AS balance, v.status, i.bonus FROM vouchers v JOIN order_items i ON i.id = v.order_item_id WHERE v.order_id = ? ORDER BY i.bonus, v.code`, orderId);
const orderRow = (id: string) => get<{ status: string; refunded_cents: number; bonus_cents: number }>(`SELECT status, refunded_cents, bonus_cents FROM orders WHERE id = ?`, id);
const refundsOf = (id: string) => all<{ id: string; status: string; amount: number; ref: string }>(`SELECT id, status, amount_cents AS amount, provider_ref AS ref FROM refunds WHERE order_id = ? ORDER BY created_at`, id);

let n = 0;
/** A noel-fecamp card order (the town's 20 % bonus applies), paid through a signed webhook. */
async function paidCardOrder(items = [{ amountCents: 30_00, quantity: 2 }]) {
  const res = await fetch(`${app.url}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ campaign: 'noel-fecamp', paymentMethod: 'card', buyer: { type: 'individual', name: 'Zoé', email: `zoe.${++n}@example.org` }, items }),
  });
  const body = (await res.json()) as any;
  expect(res.status, JSON.stringify(body)).toBe(201);
  const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === body.order.id)!;
  const delivered = await stripe.deliver(app.url, stripe.event('checkout.session.completed', stripe.completeSession(session.id)), WEBHOOK_SECRET);
  expect(delivered.status).toBe(200);
  expect((await orderRow(body.order.id)).status).toBe('paid');
  return { id: body.order.id as string, paymentIntent: stripe.sessions.get(session.id)!.payment_intent! };
}

async function redeem(code: string, amountCents: number) {
  const res = await fetch(`${app.url}/api/v1/redemptions`, {
    method: 'POST',
    headers: { ...till.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ code, amountCents, idempotencyKey: `r-${code}-${amountCents}-${Math.random()}` }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function clickRefund(c: FormClient, orderId: string, reason = 'Client déménage') {
  const page = await c.get(`/operateur/commandes/${orderId}`);
  return c.post(`/operateur/commandes/${orderId}/rembourser`, { reason }, page.html);
}

describe('refund of unused vouchers (Stripe)', () => {
  it('refunds what is left after partial use, cancels the vouchers and the bonus, once', async () => {
    const o = await paidCardOrder();
    const [a, b, bonus] = await vouchers(o.id);
    expect([a!.amount, b!.amount, bonus!.amount, bonus!.bonus]).toEqual([30_00, 30_00, 12_00, 1]);
    expect((await redeem(a!.code, 10_00)).status).toBe(201);
    expect((await redeem(bonus!.code, 5_00)).status).toBe(201);

    const page = await admin.get(`/operateur/commandes/${o.id}`);
    expect(page.html).toMatch(/data-refundable>50,00\s€/u);
    const done = await clickRefund(admin, o.id);
    expect(done.res.status).toBe(303);

    const [refund] = await refundsOf(o.id);
    expect(refund).toMatchObject({ status: 'succeeded', amount: 50_00 });
    const call = stripe.requests.find((r) => r.method === 'POST' && r.path === '/v1/refunds')!;
    expect(call.idempotencyKey).toBe(refund!.id);
    expect(call.params).toMatchObject({ payment_intent: o.paymentIntent, amount: '5000' });
    expect(stripe.refunds.get(refund!.ref)).toMatchObject({ amount: 50_00, payment_intent: o.paymentIntent });

    expect((await vouchers(o.id)).map((v) => [v.status, v.balance])).toEqual([['cancelled', 0], ['cancelled', 0], ['cancelled', 0]]);
    const refused = await redeem(a!.code, 1_00);
    expect(refused.body.error.code).toBe('VOUCHER_CANCELLED');
    expect(await orderRow(o.id)).toMatchObject({ status: 'paid', refunded_cents: 50_00 });
    expect(await ledgerBreaches(app)).toEqual([]);
    const after = await admin.get(`/operateur/commandes/${o.id}?done=refunded`);
    expect(after.html).toContain('Remboursement effectué.');
    expect(after.html).toContain(refund!.ref);
    expect(after.html).not.toContain('/rembourser"');
    expect((await get<{ n: number }>(`SELECT COUNT(*) AS n FROM audit_log WHERE entity_id = ? AND action = 'order_refunded'`, o.id)).n).toBe(1);

    // A second click refunds nothing more.
    const again = await clickRefund(admin, o.id);
    expect(again.res.status).toBe(409);
    expect(again.html).toContain('Il ne reste rien à rembourser');
    expect(await refundsOf(o.id)).toHaveLength(1);
    expect([...stripe.refunds.values()].filter((r) => r.payment_intent === o.paymentIntent)).toHaveLength(1);
  });

  it('an untouched order is refunded in full and marked refunded', async () => {
    const o = await paidCardOrder([{ amountCents: 15_00, quantity: 1 }]);
    const r = await refundUnusedVouchers(deps(), { orderId: o.id, actor: 'test', reason: 'Erreur de commande' });
    expect(r).toMatchObject({ status: 'succeeded', amountCents: 15_00 });
    expect(await orderRow(o.id)).toMatchObject({ status: 'refunded', refunded_cents: 15_00 });
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('a Stripe refusal leaves everything as it was: refund failed, vouchers active', async () => {
    const o = await paidCardOrder([{ amountCents: 30_00, quantity: 1 }]);
    // Someone refunded most of the payment from the Stripe dashboard: ours is too large (400).
    await stripeClient({ secretKey: SECRET_KEY, apiBase: stripe.url }).refunds.create({ payment_intent: o.paymentIntent, amount: 29_00 });
    const before = await vouchers(o.id);
    const res = await clickRefund(admin, o.id);
    expect(res.res.status).toBe(422);
    expect(res.html).toContain('a refusé le remboursement');
    expect((await refundsOf(o.id)).map((r) => r.status)).toEqual(['failed']);
    expect(await vouchers(o.id)).toEqual(before);
    expect(before.every((v) => v.status === 'active')).toBe(true);
    expect((await redeem(before[0]!.code, 1_00)).status).toBe(201);
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('a crash between the Stripe call and the booking is completed once on retry', async () => {
    const o = await paidCardOrder([{ amountCents: 30_00, quantity: 1 }]);
    const pending = await refundUnits(deps())((s) => beginRefundSteps(s, app.clock.now(), { orderId: o.id, actor: 'test', reason: 'Crash' }));
    const answer = await callProvider(deps(), pending); // … and the process dies here.
    expect((await vouchers(o.id)).every((v) => v.bonus === 1 || v.status === 'blocked')).toBe(true);
    expect((await redeem((await vouchers(o.id))[0]!.code, 1_00)).body.error.code).toBe('VOUCHER_BLOCKED');
    expect(await ledgerBreaches(app)).toEqual([]);

    const done = await refundUnusedVouchers(deps(), { orderId: o.id, actor: 'test', reason: 'Retry' });
    expect(done).toMatchObject({ id: pending.id, status: 'succeeded', providerRef: answer.ref });
    // The retry looked the refund up by payment intent and found it: no second creation.
    const calls = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds' && r.idempotencyKey === pending.id);
    expect(calls.map((c) => c.replayed)).toEqual([false]);
    expect(stripe.requests.filter((r) => r.method === 'GET' && r.path === '/v1/refunds' && r.params.payment_intent === o.paymentIntent)).toHaveLength(2);
    expect([...stripe.refunds.values()].filter((r) => r.payment_intent === o.paymentIntent)).toHaveLength(1);
    expect(await orderRow(o.id)).toMatchObject({ status: 'refunded', refunded_cents: 30_00 });
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('a viewer may not refund (403) and sees no form', async () => {
    const o = await paidCardOrder([{ amountCents: 15_00, quantity: 1 }]);
    const page = await viewer.get(`/operateur/commandes/${o.id}`);
    expect(page.html).not.toContain('/rembourser"');
    const res = await viewer.post(`/operateur/commandes/${o.id}/rembourser`, { reason: 'Essai' }, page.html);
    expect(res.res.status).toBe(403);
    expect(await refundsOf(o.id)).toHaveLength(0);
  });

  it('a reason is required', async () => {
    const o = await paidCardOrder([{ amountCents: 15_00, quantity: 1 }]);
    const res = await clickRefund(admin, o.id, '  ');
    expect(res.res.status).toBe(422);
    expect(await refundsOf(o.id)).toHaveLength(0);
  });

  it('a bank-transfer order is refused with a clear message', async () => {
    const res = await postOrder(app.url, { campaign: 'noel-fecamp', buyer: TOWN_HALL_BUYER, items: [{ amountCents: 30_00, quantity: 2 }] });
    const { order } = (await res.json()) as any;
    await expect(refundUnusedVouchers(deps(), { orderId: order.id, actor: 'test', reason: 'x' })).rejects.toMatchObject({ code: 'REFUND_NOT_CARD' });
    const page = await admin.get(`/operateur/commandes/${order.id}`);
    const r = await admin.post(`/operateur/commandes/${order.id}/rembourser`, { reason: 'Essai' }, page.html);
    expect(r.res.status).toBe(409);
    expect(r.html).toContain('une commande payée par virement se rembourse par virement');
  });
});

describe('refund through the demo provider', () => {
  it('refunds, cancels and keeps the books', async () => {
    const local = await startTestApp();
    try {
      const [v] = await buyVouchersOn(local, { amountCents: 20_00, quantity: 1 });
      const r = await refundUnusedVouchers({ database: local.database, pg: local.pg, clock: local.clock, payments: local.payments, logger: createLogger('silent') }, { orderId: v!.orderId, actor: 'test', reason: 'Démo' });
      expect(r).toMatchObject({ status: 'succeeded', amountCents: 20_00, providerRef: `demo_re_${r.id}` });
      expect(await ledgerBreaches(local)).toEqual([]);
    } finally {
      await local.close();
    }
  });
});

