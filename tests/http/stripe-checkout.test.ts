import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../support/backend-query';
import { ledgerBreaches } from '../support/ledger-check';
import { stripeClient } from '../../server/payments/stripe-provider';
import { decodeForm, postWebhook, startFakeStripe, type CheckoutSessionObject, type FakeStripe } from '../support/fake-stripe';
import { startTestApp, type TestApp } from '../support/test-app';

const SECRET_KEY = 'sk_test_bons_locaux_51HxYz';
const WEBHOOK_SECRET = 'whsec_test_bons_locaux_signing_secret';

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

// --- helpers --------------------------------------------------------------------------

let buyers = 0;
const uniqueEmail = (name: string) => `${name.toLowerCase()}.${++buyers}@example.org`;

function orderBody(over: { email?: string; items?: { amountCents: number; quantity: number }[] } = {}) {
  return {
    campaign: 'seine-estuaire',
    buyer: { type: 'individual', name: 'Alice', email: over.email ?? uniqueEmail('alice') },
    items: over.items ?? [{ amountCents: 2000, quantity: 2 }],
    paymentMethod: 'card',
  };
}

async function postOrder(base: string, body: unknown) {
  const res = await fetch(`${base}/api/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

interface Created {
  id: string;
  token: string;
  paymentUrl: string;
  session: CheckoutSessionObject;
}

/** Creates an order through the API and returns it with the fake's Checkout Session. */
async function createOrder(over: Parameters<typeof orderBody>[0] = {}): Promise<Created> {
  const { status, body } = await postOrder(app.url, orderBody(over));
  expect(status, JSON.stringify(body)).toBe(201);
  const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === body.order.id);
  expect(session, 'a Checkout Session for the order').toBeDefined();
  return { id: body.order.id, token: body.accessToken, paymentUrl: body.paymentUrl, session: session! };
}

async function getOrder(o: Pick<Created, 'id' | 'token'>) {
  const res = await fetch(`${app.url}/api/v1/orders/${o.id}`, { headers: { authorization: `Bearer ${o.token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { order: { id: string; status: string; totalCents: number; paidAt: string | null }; vouchers: { code: string; amountCents: number; balanceCents: number; status: string }[] };
}

/** Rows on the app's backend (backend-query.ts `rowsOf`), the `?` placeholders numbered as `@p1`, `@p2`… */
const q = <T = Record<string, unknown>>(sql: string, ...args: (string | number)[]) => {
  let i = 0;
  return rowsOf<T>(app, sql.replace(/\?/g, () => `@p${++i}`), Object.fromEntries(args.map((a, k) => [`p${k + 1}`, a])));
};
/** The order's vouchers mail, matched in its JSON payload (what the outbox stores on both backends). */
const mailOf = (orderId: string) => `%"orderId":"${orderId}"%`;
const one = async (sql: string, ...args: (string | number)[]) => (await q<{ n: number }>(sql, ...args))[0]!.n;

/** What was recorded for one order, counted in the database itself. */
async function tally(orderId: string) {
  return {
    vouchers: await one(`SELECT COUNT(*) n FROM vouchers WHERE order_id = ?`, orderId),
    activeVouchers: await one(`SELECT COUNT(*) n FROM vouchers WHERE order_id = ? AND status = 'active' AND balance_cents = amount_cents`, orderId),
    payments: await one(`SELECT COUNT(*) n FROM payments WHERE order_id = ?`, orderId),
    saleJournals: await one(`SELECT COUNT(*) n FROM journals WHERE order_id = ? AND kind = 'voucher_sale'`, orderId),
    mails: await one(`SELECT COUNT(*) n FROM outbox_messages WHERE kind = 'order_vouchers' AND payload LIKE ?`, mailOf(orderId)),
  };
}
const NOTHING = { vouchers: 0, activeVouchers: 0, payments: 0, saleJournals: 0, mails: 0 };

const orderRow = async (id: string) => (await q<{ status: string; cancel_reason: string | null; checkout_ref: string | null; paid_at: string | null }>(`SELECT status, cancel_reason, checkout_ref, paid_at FROM orders WHERE id = ?`, id))[0]!;
const eventsRecorded = () => one(`SELECT COUNT(*) n FROM provider_events`);
const deliver = (type: string, object: CheckoutSessionObject | Record<string, unknown>) => stripe.deliver(app.url, stripe.event(type, object), WEBHOOK_SECRET);

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

// --- the fake itself, through the official SDK ----------------------------------------

describe('fake Stripe server (checked through the official SDK)', () => {
  it('decodes Stripe form encoding into nested params and arrays', () => {
    expect(decodeForm('mode=payment&line_items[0][quantity]=2&line_items[0][price_data][unit_amount]=2000&line_items%5B1%5D%5Bquantity%5D=1&metadata[orderId]=o1&expand[]=a&expand[]=b')).toEqual({
      mode: 'payment',
      line_items: [{ quantity: '2', price_data: { unit_amount: '2000' } }, { quantity: '1' }],
      metadata: { orderId: 'o1' },
      expand: ['a', 'b'],
    });
  });

  it("answers 401 in Stripe's error shape without a valid secret key", async () => {
    const noKey = await fetch(`${stripe.url}/v1/checkout/sessions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'mode=payment' });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({ error: { type: 'invalid_request_error', message: expect.stringContaining('You did not provide an API key') } });

    const wrong = stripeClient({ secretKey: 'sk_test_not_the_right_one', apiBase: stripe.url });
    const err = await wrong.checkout.sessions.retrieve('cs_test_x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect((err as Stripe.errors.StripeError).statusCode).toBe(401);
  });

  it('replays a session for a repeated Idempotency-Key and refuses the key with other params', async () => {
    const sdk = stripeClient({ secretKey: SECRET_KEY, apiBase: stripe.url });
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: 'payment',
      success_url: 'http://shop.test/ok',
      line_items: [
        { quantity: 3, price_data: { currency: 'eur', unit_amount: 1500, product_data: { name: 'Bon' } } },
        { quantity: 1, price_data: { currency: 'eur', unit_amount: 5000, product_data: { name: 'Bon' } } },
      ],
    };
    const before = stripe.sessions.size;
    const a = await sdk.checkout.sessions.create(params, { idempotencyKey: 'fidelity-1' });
    const b = await sdk.checkout.sessions.create(params, { idempotencyKey: 'fidelity-1' });
    expect(b.id).toBe(a.id);
    expect(a.id).toMatch(/^cs_test_/);
    expect(a.amount_total).toBe(9500);
    expect(stripe.sessions.size).toBe(before + 1);
    expect(stripe.requests.at(-1)).toMatchObject({ idempotencyKey: 'fidelity-1', replayed: true, status: 200 });

    const err = await sdk.checkout.sessions.create({ ...params, line_items: params.line_items!.slice(0, 1) }, { idempotencyKey: 'fidelity-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((err as Stripe.errors.StripeError).statusCode).toBe(400);
    expect(stripe.sessions.size).toBe(before + 1);

    expect((await sdk.checkout.sessions.retrieve(a.id)).amount_total).toBe(9500);
    const missing = await sdk.checkout.sessions.retrieve('cs_test_nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((missing as Stripe.errors.StripeError).code).toBe('resource_missing');
  });
});

// --- the app against it ---------------------------------------------------------------

describe('buying vouchers with Stripe Checkout (API + signed webhooks)', () => {
  it('creates a pending order with exactly one Checkout Session, keyed by the order id', async () => {
    const email = uniqueEmail('alice');
    const sessionsBefore = stripe.sessions.size;
    const requestsBefore = stripe.requests.length;
    const o = await createOrder({ email, items: [{ amountCents: 2000, quantity: 2 }, { amountCents: 1250, quantity: 1 }] });

    expect(stripe.sessions.size).toBe(sessionsBefore + 1);
    const calls = stripe.requests.slice(requestsBefore);
    expect(calls.map((r) => [r.method, r.path, r.idempotencyKey, r.status])).toEqual([['POST', '/v1/checkout/sessions', `checkout-${o.id}`, 200]]);
    const params = calls[0]!.params as any;
    expect(params.mode).toBe('payment');
    expect(params.client_reference_id).toBe(o.id);
    expect(params.customer_email).toBe(email);
    expect(params.metadata.orderId).toBe(o.id);
    expect(params.payment_intent_data.metadata.orderId).toBe(o.id);
    expect(params.line_items).toEqual([
      { quantity: '2', price_data: { currency: 'eur', unit_amount: '2000', product_data: { name: expect.any(String) } } },
      { quantity: '1', price_data: { currency: 'eur', unit_amount: '1250', product_data: { name: expect.any(String) } } },
    ]);
    expect(params.success_url).toContain(`/commandes/${o.id}?token=`);
    expect(params.cancel_url).toContain('cancelled=1');

    expect(o.session).toMatchObject({ object: 'checkout.session', amount_total: 5250, currency: 'eur', payment_status: 'unpaid', status: 'open', mode: 'payment', customer_email: email });
    expect(o.session.id).toMatch(/^cs_test_/);
    expect(o.paymentUrl).toBe(`${stripe.url}/c/pay/${o.session.id}`);
    expect(o.paymentUrl).toBe(o.session.url);

    const view = await getOrder(o);
    expect(view.order).toMatchObject({ id: o.id, status: 'pending_payment', totalCents: 5250, paidAt: null });
    expect(view.vouchers).toEqual([]);
    expect((await orderRow(o.id)).checkout_ref).toBe(o.session.id);
    expect(await tally(o.id)).toEqual(NOTHING);
  });

  it('issues the vouchers on a signed checkout.session.completed (paid)', async () => {
    const o = await createOrder();
    const res = await deliver('checkout.session.completed', stripe.completeSession(o.session.id));
    expect(res).toEqual({ status: 200, body: { received: true, outcome: 'issued' } });

    const view = await getOrder(o);
    expect(view.order.status).toBe('paid');
    expect(view.order.paidAt).not.toBeNull();
    expect(view.vouchers).toHaveLength(2);
    for (const v of view.vouchers) expect(v).toMatchObject({ amountCents: 2000, balanceCents: 2000, status: 'active' });
    expect(new Set(view.vouchers.map((v) => v.code)).size).toBe(2);
    expect(await tally(o.id)).toEqual({ vouchers: 2, activeVouchers: 2, payments: 1, saleJournals: 1, mails: 1 });
    const [payment] = await q(`SELECT provider, provider_ref, amount_cents FROM payments WHERE order_id = ?`, o.id);
    expect(payment).toEqual({ provider: 'stripe', provider_ref: o.session.id, amount_cents: 4000 });
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('issues exactly once under replays, concurrent deliveries and async_payment_succeeded', async () => {
    const o = await createOrder();
    const paid = stripe.completeSession(o.session.id);
    const completed = stripe.event('checkout.session.completed', paid);
    const first = await stripe.deliver(app.url, completed, WEBHOOK_SECRET);
    expect(first.body.outcome).toBe('issued');

    // Stripe retries with the same event id, possibly in parallel; each retry is re-signed.
    const replays = await Promise.all([1, 2, 3].map(() => stripe.deliver(app.url, completed, WEBHOOK_SECRET)));
    const last = await stripe.deliver(app.url, completed, WEBHOOK_SECRET);
    for (const r of [...replays, last]) expect(r).toEqual({ status: 200, body: { received: true, outcome: 'duplicate' } });

    // A different event for the same payment, twice at once.
    const succeeded = stripe.event('checkout.session.async_payment_succeeded', paid);
    const both = await Promise.all([stripe.deliver(app.url, succeeded, WEBHOOK_SECRET), stripe.deliver(app.url, succeeded, WEBHOOK_SECRET)]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(both.map((r) => r.body.outcome).sort()).toEqual(['already_paid', 'duplicate']);

    expect(await tally(o.id)).toEqual({ vouchers: 2, activeVouchers: 2, payments: 1, saleJournals: 1, mails: 1 });
    expect(await one(`SELECT COUNT(*) n FROM movements m JOIN vouchers v ON v.id = m.voucher_id WHERE v.order_id = ? AND m.kind = 'issue'`, o.id)).toBe(2);
    expect(await one(`SELECT COUNT(*) n FROM provider_events WHERE id IN (?, ?)`, completed.id, succeeded.id)).toBe(2);
    expect((await getOrder(o)).vouchers).toHaveLength(2);
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('issues when a delayed payment succeeds after an unpaid completion', async () => {
    const o = await createOrder({ items: [{ amountCents: 5000, quantity: 1 }] });
    const pending = await deliver('checkout.session.completed', stripe.completeSession(o.session.id, { paymentStatus: 'unpaid' }));
    expect(pending).toEqual({ status: 200, body: { received: true, outcome: 'pending' } });
    expect((await getOrder(o)).order.status).toBe('pending_payment');
    expect(await tally(o.id)).toEqual(NOTHING);

    const settled = await deliver('checkout.session.async_payment_succeeded', stripe.completeSession(o.session.id, { paymentStatus: 'paid' }));
    expect(settled.body.outcome).toBe('issued');
    const view = await getOrder(o);
    expect(view.order.status).toBe('paid');
    expect(view.vouchers.map((v) => v.balanceCents)).toEqual([5000]);
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  describe('unauthentic deliveries: 400 INVALID_SIGNATURE, nothing recorded', () => {
    const expectRejected = async (res: { status: number; body: any }, orderId: string, eventsBefore: number) => {
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: { code: 'INVALID_SIGNATURE', message: expect.any(String) } });
      expect(await tally(orderId)).toEqual(NOTHING);
      expect((await orderRow(orderId)).status).toBe('pending_payment');
      expect(await eventsRecorded()).toBe(eventsBefore);
    };

    it('signed with another secret', async () => {
      const o = await createOrder();
      const before = await eventsRecorded();
      const res = await stripe.deliver(app.url, stripe.event('checkout.session.completed', stripe.completeSession(o.session.id)), 'whsec_someone_elses_secret');
      await expectRejected(res, o.id, before);
    });

    it('without a Stripe-Signature header', async () => {
      const o = await createOrder();
      const before = await eventsRecorded();
      const { payload } = stripe.signedDelivery(stripe.event('checkout.session.completed', stripe.completeSession(o.session.id)), WEBHOOK_SECRET);
      await expectRejected(await postWebhook(app.url, payload), o.id, before);
    });

    it('with a payload tampered after signing', async () => {
      const o = await createOrder();
      const before = await eventsRecorded();
      // The attacker's story: an unpaid session, signed, then rewritten as paid.
      const { payload, header } = stripe.signedDelivery(stripe.event('checkout.session.completed', stripe.completeSession(o.session.id, { paymentStatus: 'unpaid' })), WEBHOOK_SECRET);
      const tampered = payload.replace('"payment_status": "unpaid"', '"payment_status": "paid"');
      expect(tampered).not.toBe(payload);
      await expectRejected(await postWebhook(app.url, tampered, header), o.id, before);
    });

    it('with a signature older than the tolerance (a replayed capture)', async () => {
      const o = await createOrder();
      const before = await eventsRecorded();
      const payload = JSON.stringify(stripe.event('checkout.session.completed', stripe.completeSession(o.session.id)), null, 2);
      const header = new Stripe('sk_test_x').webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 3600 });
      await expectRejected(await postWebhook(app.url, payload, header), o.id, before);
    });

    it('with a garbage header or an empty body', async () => {
      const o = await createOrder();
      const before = await eventsRecorded();
      const { payload } = stripe.signedDelivery(stripe.event('checkout.session.completed', stripe.completeSession(o.session.id)), WEBHOOK_SECRET);
      await expectRejected(await postWebhook(app.url, payload, 'not-a-signature'), o.id, before);
      await expectRejected(await postWebhook(app.url, '', stripe.signedDelivery(stripe.event('x', {}), WEBHOOK_SECRET).header), o.id, before);
    });
  });

  it('cancels the order when a delayed payment fails after an unpaid completion', async () => {
    const o = await createOrder();
    const unpaid = stripe.completeSession(o.session.id, { paymentStatus: 'unpaid' });
    expect((await deliver('checkout.session.completed', unpaid)).body.outcome).toBe('pending');
    expect((await getOrder(o)).order.status).toBe('pending_payment');

    const failed = await deliver('checkout.session.async_payment_failed', unpaid);
    expect(failed).toEqual({ status: 200, body: { received: true, outcome: 'cancelled' } });
    const view = await getOrder(o);
    expect(view.order.status).toBe('cancelled');
    expect(view.vouchers).toEqual([]);
    expect((await orderRow(o.id)).cancel_reason).toBe('payment_failed');
    expect(await tally(o.id)).toEqual(NOTHING);
  });

  it('cancels the order when its Checkout Session expires', async () => {
    const o = await createOrder();
    const res = await deliver('checkout.session.expired', stripe.expireSession(o.session.id));
    expect(res).toEqual({ status: 200, body: { received: true, outcome: 'cancelled' } });
    const view = await getOrder(o);
    expect(view.order.status).toBe('cancelled');
    expect(view.vouchers).toEqual([]);
    expect((await orderRow(o.id)).cancel_reason).toBe('checkout_expired');
    expect(await tally(o.id)).toEqual(NOTHING);
  });

  it('does not cancel a paid order on a late expiry or failure event', async () => {
    const o = await createOrder();
    const paid = stripe.completeSession(o.session.id);
    expect((await deliver('checkout.session.completed', paid)).body.outcome).toBe('issued');
    expect((await deliver('checkout.session.expired', { ...paid, status: 'expired' })).body.outcome).toBe('not_cancelled');
    expect((await deliver('checkout.session.async_payment_failed', { ...paid, payment_status: 'unpaid' })).body.outcome).toBe('not_cancelled');
    expect((await getOrder(o)).order.status).toBe('paid');
    expect(await tally(o.id)).toMatchObject({ vouchers: 2, activeVouchers: 2, payments: 1 });
  });

  it('issues nothing when the paid amount or currency differs, holds the money in suspense and flags the order', async () => {
    const o = await createOrder();
    const paid = stripe.completeSession(o.session.id);
    const short = await deliver('checkout.session.completed', { ...paid, amount_total: paid.amount_total - 100, amount_subtotal: paid.amount_total - 100 });
    expect(short).toEqual({ status: 200, body: { received: true, outcome: 'amount_mismatch' } });
    const dollars = await deliver('checkout.session.completed', { ...paid, currency: 'usd' });
    expect(dollars.body.outcome).toBe('currency_mismatch');
    expect((await orderRow(o.id)).status).toBe('pending_payment');
    expect((await getOrder(o)).vouchers).toEqual([]);
    // The short payment is booked (clearing ↔ suspense) so every euro received is accounted for.
    expect(await tally(o.id)).toEqual({ ...NOTHING, payments: 1 });
    expect(await one(`SELECT COUNT(*) n FROM journals WHERE order_id = ? AND kind = 'payment_suspense'`, o.id)).toBe(1);
    expect(await one(`SELECT -SUM(amount_cents) n FROM journal_lines l JOIN journals j ON j.id = l.journal_id WHERE j.order_id = ? AND l.account = 'payments_suspense'`, o.id)).toBe(paid.amount_total - 100);
    expect((await q(`SELECT review_reason FROM orders WHERE id = ?`, o.id))[0]).toEqual({ review_reason: 'currency_mismatch' });
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('acknowledges unknown event types with 200 and ignores them', async () => {
    const before = await one(`SELECT COUNT(*) n FROM vouchers`);
    const evt = stripe.event('customer.created', { id: 'cus_test_123', object: 'customer', email: 'someone@example.org' });
    const res = await stripe.deliver(app.url, evt, WEBHOOK_SECRET);
    expect(res).toEqual({ status: 200, body: { received: true, outcome: 'ignored' } });
    expect(await one(`SELECT COUNT(*) n FROM vouchers`)).toBe(before);
    expect((await q(`SELECT type FROM provider_events WHERE id = ?`, evt.id))[0]).toEqual({ type: 'customer.created' });
  });

  it('retries a lost Stripe response with the same idempotency key and gets the same session', async () => {
    const sessionsBefore = stripe.sessions.size;
    const requestsBefore = stripe.requests.length;
    stripe.failNext({ kind: 'reset_after_create' });
    const o = await createOrder();
    expect(stripe.sessions.size).toBe(sessionsBefore + 1);
    const calls = stripe.requests.slice(requestsBefore);
    expect(calls.map((r) => [r.idempotencyKey, r.status, r.replayed])).toEqual([
      [`checkout-${o.id}`, 'reset', false],
      [`checkout-${o.id}`, 200, true],
    ]);
    expect(o.paymentUrl).toBe(o.session.url);
    expect((await getOrder(o)).order.status).toBe('pending_payment');
  });

  it('answers 503 PAYMENT_PROVIDER_UNAVAILABLE and cancels the order when Stripe keeps failing', async () => {
    const email = uniqueEmail('bob');
    const sessionsBefore = stripe.sessions.size;
    const requestsBefore = stripe.requests.length;
    stripe.failNext({ kind: 'http', status: 500 }, { kind: 'http', status: 500 }, { kind: 'http', status: 500 });
    const { status, body } = await postOrder(app.url, orderBody({ email }));
    expect(status).toBe(503);
    expect(body).toEqual({ error: { code: 'PAYMENT_PROVIDER_UNAVAILABLE', message: expect.any(String) } });
    expect(JSON.stringify(body)).not.toMatch(/\bat .+:\d+|StripeAPIError|api_error/);

    // The SDK tried three times (maxNetworkRetries 2), always with the same key.
    const calls = stripe.requests.slice(requestsBefore);
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.idempotencyKey)).size).toBe(1);
    expect(calls[0]!.idempotencyKey).toMatch(/^checkout-/);
    expect(stripe.sessions.size).toBe(sessionsBefore);

    const [row] = await q<{ id: string; status: string; cancel_reason: string }>(`SELECT id, status, cancel_reason FROM orders WHERE buyer_email = ?`, email);
    expect(row).toMatchObject({ status: 'cancelled', cancel_reason: 'checkout_failed' });
    expect(calls[0]!.idempotencyKey).toBe(`checkout-${row!.id}`);
    expect(await tally(row!.id)).toEqual(NOTHING);
  });

  it('answers 503 PAYMENT_PROVIDER_UNAVAILABLE and cancels the order when Stripe is unreachable', async () => {
    const offline = await startTestApp({ stripe: { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, apiBase: `http://127.0.0.1:${await closedPort()}` } });
    try {
      const email = uniqueEmail('carol');
      const { status, body } = await postOrder(offline.url, orderBody({ email }));
      expect(status).toBe(503);
      expect(body).toEqual({ error: { code: 'PAYMENT_PROVIDER_UNAVAILABLE', message: expect.any(String) } });
      const [row] = await rowsOf(offline, `SELECT status, cancel_reason FROM orders WHERE buyer_email = @email`, { email });
      expect(row).toEqual({ status: 'cancelled', cancel_reason: 'checkout_failed' });
      expect((await rowsOf(offline, `SELECT COUNT(*) AS n FROM vouchers v JOIN orders o ON o.id = v.order_id WHERE o.buyer_email = @email`, { email }))[0]).toEqual({ n: 0 });
    } finally {
      await offline.close();
    }
  });

  it('enqueues exactly one vouchers mail per paid order, even when replays arrive after it was sent', async () => {
    const a = await createOrder();
    const b = await createOrder({ items: [{ amountCents: 1000, quantity: 3 }] });
    const paidA = stripe.completeSession(a.session.id);
    const completedA = stripe.event('checkout.session.completed', paidA);
    expect((await stripe.deliver(app.url, completedA, WEBHOOK_SECRET)).body.outcome).toBe('issued');
    expect((await deliver('checkout.session.completed', stripe.completeSession(b.session.id))).body.outcome).toBe('issued');

    const drained = await app.drainOutbox();
    expect(drained.failed).toBe(0);
    expect(drained.sent).toBeGreaterThanOrEqual(2);
    const mailA = () => q(`SELECT status, recipient FROM outbox_messages WHERE kind = 'order_vouchers' AND payload LIKE ?`, mailOf(a.id));
    expect(await mailA()).toEqual([{ status: 'sent', recipient: expect.stringMatching(/^alice\.\d+@example\.org$/) }]);

    // Replays after the mail went out: same event, a new event for the same payment.
    await Promise.all([stripe.deliver(app.url, completedA, WEBHOOK_SECRET), stripe.deliver(app.url, completedA, WEBHOOK_SECRET)]);
    expect((await deliver('checkout.session.async_payment_succeeded', paidA)).body.outcome).toBe('already_paid');
    expect((await deliver('checkout.session.completed', paidA)).body.outcome).toBe('already_paid');

    expect(await mailA()).toEqual([{ status: 'sent', recipient: expect.any(String) }]);
    expect(await tally(a.id)).toEqual({ vouchers: 2, activeVouchers: 2, payments: 1, saleJournals: 1, mails: 1 });
    expect(await tally(b.id)).toEqual({ vouchers: 3, activeVouchers: 3, payments: 1, saleJournals: 1, mails: 1 });
    expect(await app.drainOutbox()).toEqual({ sent: 0, failed: 0 });
    expect(await one(`SELECT COUNT(*) n FROM orders o WHERE o.status = 'paid' AND (SELECT COUNT(*) FROM outbox_messages m WHERE m.kind = 'order_vouchers' AND m.payload LIKE '%"orderId":"' || o.id || '"%') != 1 AND o.payment_method = 'card' AND o.id IN (SELECT order_id FROM payments WHERE provider = 'stripe')`)).toBe(0);
    expect(await ledgerBreaches(app)).toEqual([]);
  });
});
