import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook, startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { rowOf } from '../support/backend-query';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Found by the fuzzer (issue 13): a correctly signed payload that is not an event, or an
 * event whose object holds other types than its type promises, gave a 500. Now a 400
 * INVALID_EVENT in the contract's error shape, and nothing is recorded.
 */
const SECRET_KEY = 'sk_test_shape_51HxYz';
const WEBHOOK_SECRET = 'whsec_shape_signing_secret';
const signer = new Stripe('sk_test_x');
const sign = (payload: string) => signer.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });

let stripe: FakeStripe;
let app: TestApp;
beforeAll(async () => {
  stripe = await startFakeStripe({ secretKey: SECRET_KEY });
  app = await startTestApp({ stripe: { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, apiBase: stripe.url } });
});
afterAll(async () => {
  await app?.close();
  await stripe?.close();
});

const events = async () => (await rowOf<{ n: number }>(app, 'SELECT COUNT(*) AS n FROM provider_events'))!.n;
const session = { id: 'cs_test_shape', object: 'checkout.session', amount_total: 4000, currency: 'eur', metadata: { orderId: 'no-such-order' }, payment_status: 'paid', status: 'complete' };

describe('signed webhook payloads of the wrong shape', () => {
  it.each([
    ['null', 'null'],
    ['a number', '42'],
    ['an event without its object', () => JSON.stringify({ ...stripe.event('checkout.session.completed', session), data: null })],
    ['a refund whose id is not a string', () => JSON.stringify(stripe.event('refund.updated', { id: true, object: 'refund', status: 'succeeded' }))],
    ['a session whose amount is text', () => JSON.stringify(stripe.event('checkout.session.completed', { ...session, amount_total: '4000' }))],
    ['a session whose metadata is a list', () => JSON.stringify(stripe.event('checkout.session.completed', { ...session, metadata: ['x'] }))],
    ['a transfer reversed by a negative amount', () => JSON.stringify(stripe.event('transfer.reversed', { id: 'tr_1', object: 'transfer', amount_reversed: -5, reversed: false }))],
  ] as [string, string | (() => string)][])('%s → 400 INVALID_EVENT', async (_name, payload) => {
    const body = typeof payload === 'function' ? payload() : payload;
    const before = await events();
    const res = await postWebhook(app.url, body, sign(body));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'INVALID_EVENT', message: expect.any(String) } });
    expect(await events()).toBe(before);
  });

  it('a well-formed event still answers 200', async () => {
    const body = JSON.stringify(stripe.event('checkout.session.completed', session));
    const res = await postWebhook(app.url, body, sign(body));
    expect(res.status).toBe(200);
  });
});
