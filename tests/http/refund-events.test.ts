/**
 * Issue 12, finding 5 (refunds): a refund is final only when Stripe says so. Against the
 * Stripe stand-in through the real SDK: refunds answered `pending` (balance too low, or an
 * async payment method) settle on signed `refund.updated` / `refund.failed` webhooks, and a
 * refund retried after Stripe pruned its idempotency key (24 h) is looked up, not made twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginRefundSteps, callProvider, refundUnits, refundUnusedVouchers } from '../../server/domain/orders/refunds-service';
import { createLogger } from '../../server/lib/logger';
import { rowsOf } from '../support/backend-query';
import { shopKeyOn, type BuiltKey } from '../support/builders';
import { ledgerBreaches } from '../support/ledger-check';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { operatorClient } from '../support/operator';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';

const SECRET_KEY = 'sk_test_bons_locaux_refund_events';
const WEBHOOK_SECRET = 'whsec_test_bons_locaux_refund_events';
let stripe: FakeStripe;
let app: TestApp;
let admin: FormClient;
let till: BuiltKey;

beforeAll(async () => {
  stripe = await startFakeStripe({ secretKey: SECRET_KEY });
  app = await startTestApp({ stripe: { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, apiBase: stripe.url } });
  admin = await operatorClient(app.url, 'operateur@demo.bons-locaux.fr');
  till = await shopKeyOn(app, 'bijouterie-falaise');
});
afterAll(async () => {
  await app?.close();
  await stripe?.close();
});

const deps = () => ({ database: app.database, pg: app.pg, clock: app.clock, payments: app.payments, logger: createLogger('silent') });
// Rows on the app's backend (rowsOf: `@id` parameter, lower-case aliases).
const all = <T,>(q: string, id?: string) => rowsOf<T>(app, q, id === undefined ? {} : { id });
const vouchers = (orderId: string) =>
  all<{ code: string; balance: number; status: string; bonus: number }>(`SELECT v.code, v.balance_cents AS balance, v.status, i.bonus FROM vouchers v JOIN order_items i ON i.id = v.order_item_id WHERE v.order_id = @id ORDER BY i.bonus, v.code`, orderId);
const orderRow = async (id: string) => (await all<{ status: string; refunded_cents: number }>(`SELECT status, refunded_cents FROM orders WHERE id = @id`, id))[0]!;
const refundsOf = (id: string) => all<{ id: string; status: string; amount: number; ref: string; failure_reason: string | null }>(`SELECT id, status, amount_cents AS amount, provider_ref AS ref, failure_reason FROM refunds WHERE order_id = @id ORDER BY created_at`, id);
const refundJournals = async (id: string) => (await all(`SELECT id FROM journals WHERE order_id = @id AND kind = 'order_refund'`, id)).length;
const stripeRefundsOf = (paymentIntent: string) => [...stripe.refunds.values()].filter((r) => r.payment_intent === paymentIntent);

let n = 0;
/** A noel-fecamp card order (the town adds a bonus voucher), paid through a signed webhook. */
async function paidCardOrder(items = [{ amountCents: 30_00, quantity: 2 }]) {
  const res = await fetch(`${app.url}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ campaign: 'noel-fecamp', paymentMethod: 'card', buyer: { type: 'individual', name: 'Léon', email: `leon.${++n}@example.org` }, items }),
  });
  const body = (await res.json()) as any;
  expect(res.status, JSON.stringify(body)).toBe(201);
  const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === body.order.id)!;
  expect((await stripe.deliver(app.url, stripe.event('checkout.session.completed', stripe.completeSession(session.id)), WEBHOOK_SECRET)).status).toBe(200);
  return { id: body.order.id as string, paymentIntent: stripe.sessions.get(session.id)!.payment_intent! };
}

async function redeem(code: string, amountCents: number) {
  const res = await fetch(`${app.url}/api/v1/redemptions`, {
    method: 'POST',
    headers: { ...till.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ code, amountCents, idempotencyKey: `re-${code}-${amountCents}-${Math.random()}` }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function clickRefund(orderId: string) {
  const page = await admin.get(`/operateur/commandes/${orderId}`);
  return admin.post(`/operateur/commandes/${orderId}/rembourser`, { reason: 'Client déménage' }, page.html);
}

/** Delivers every event Stripe sends when the refund settles; returns the app's outcomes. */
async function settle(ref: string, outcome: 'succeeded' | 'failed' | 'canceled') {
  const outcomes: string[] = [];
  for (const e of stripe.settleRefund(ref, outcome)) {
    const d = await stripe.deliver(app.url, e, WEBHOOK_SECRET);
    expect(d.status).toBe(200);
    outcomes.push(d.body.outcome);
  }
  return outcomes;
}

describe('refunds Stripe answers pending', () => {
  it('a pending refund is not booked as refunded until refund.updated says succeeded', async () => {
    const o = await paidCardOrder();
    // The platform balance cannot cover the refund: Stripe holds it as pending (insufficient_funds).
    stripe.setBalance(10_00);
    let done;
    try {
      done = await clickRefund(o.id);
    } finally {
      stripe.setBalance(null);
    }
    expect(done.res.status).toBe(303);
    expect(done.res.headers.get('location')).toContain('done=refund_pending');
    const [refund] = (await refundsOf(o.id));
    expect(refund).toMatchObject({ status: 'pending', amount: 60_00 });
    expect(stripe.refunds.get(refund!.ref)).toMatchObject({ status: 'pending', pending_reason: 'insufficient_funds' });

    // Nothing booked: vouchers held (not cancelled), no refund journal, order not refunded.
    expect((await vouchers(o.id)).filter((v) => !v.bonus).map((v) => [v.status, v.balance])).toEqual([['blocked', 30_00], ['blocked', 30_00]]);
    expect((await orderRow(o.id))).toEqual({ status: 'paid', refunded_cents: 0 });
    expect((await refundJournals(o.id))).toBe(0);
    expect(await ledgerBreaches(app)).toEqual([]);
    const page = await admin.get(`/operateur/commandes/${o.id}?done=refund_pending`);
    expect(page.html).toContain('Remboursement en attente de Stripe');
    expect(page.html).toMatch(/data-refund-pending-amount>[^<]*<strong>60,00\s€/u);
    expect(page.html).toContain('data-refund="pending"');
    expect(page.html).not.toContain('/rembourser"');

    // Stripe settles it: refund.updated (succeeded) books it, once.
    expect(await settle(refund!.ref, 'succeeded')).toEqual(['applied']);
    expect((await refundsOf(o.id))[0]).toMatchObject({ status: 'succeeded', ref: refund!.ref });
    expect((await vouchers(o.id)).map((v) => v.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect((await orderRow(o.id))).toEqual({ status: 'refunded', refunded_cents: 60_00 });
    expect((await refundJournals(o.id))).toBe(1);
    const replay = stripe.event('refund.updated', { ...stripe.refunds.get(refund!.ref)! });
    expect((await stripe.deliver(app.url, replay, WEBHOOK_SECRET)).body.outcome).toBe('ignored');
    expect((await refundJournals(o.id))).toBe(1);
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('a pending refund that fails restores the vouchers and the books', async () => {
    const o = await paidCardOrder();
    const [a] = (await vouchers(o.id));
    expect((await redeem(a!.code, 10_00)).status).toBe(201);
    const before = (await vouchers(o.id));
    // An async payment method: Stripe answers pending (processing), then the refund fails.
    stripe.setRefundMode('pending');
    try {
      expect((await clickRefund(o.id)).res.status).toBe(303);
    } finally {
      stripe.setRefundMode('succeeded');
    }
    const [refund] = (await refundsOf(o.id));
    expect(refund).toMatchObject({ status: 'pending', amount: 50_00 });

    expect(await settle(refund!.ref, 'failed')).toEqual(['applied', 'ignored']); // refund.updated, then refund.failed
    expect((await refundsOf(o.id))[0]).toMatchObject({ status: 'failed', failure_reason: 'expired_or_canceled_card' });
    expect((await vouchers(o.id))).toEqual(before);
    expect((await orderRow(o.id))).toEqual({ status: 'paid', refunded_cents: 0 });
    expect((await refundJournals(o.id))).toBe(0);
    expect(await ledgerBreaches(app)).toEqual([]);
    // The vouchers work again and the order can be refunded anew.
    expect((await redeem(before[1]!.code, 1_00)).status).toBe(201);
    const page = await admin.get(`/operateur/commandes/${o.id}`);
    expect(page.html).toContain('data-refund="failed"');
    expect(page.html).toContain('expired_or_canceled_card');
    expect(page.html).toMatch(/data-refundable>49,00\s€/u);
  });

  it('a canceled refund (refund.updated, status canceled) releases the vouchers as well', async () => {
    const o = await paidCardOrder([{ amountCents: 20_00, quantity: 1 }]);
    const before = (await vouchers(o.id));
    stripe.setRefundMode('pending');
    try {
      await refundUnusedVouchers(deps(), { orderId: o.id, actor: 'test', reason: 'Annulation' });
    } finally {
      stripe.setRefundMode('succeeded');
    }
    const [refund] = (await refundsOf(o.id));
    expect(await settle(refund!.ref, 'canceled')).toEqual(['applied']);
    expect((await refundsOf(o.id))[0]).toMatchObject({ status: 'canceled' });
    expect((await vouchers(o.id))).toEqual(before);
    expect(await ledgerBreaches(app)).toEqual([]);
  });
});

describe('a refund that fails after Stripe confirmed it', () => {
  it('is no longer counted as refunded: the books and the value are restored (replacement codes) and the order flagged', async () => {
    const o = await paidCardOrder([{ amountCents: 25_00, quantity: 1 }]);
    const r = await refundUnusedVouchers(deps(), { orderId: o.id, actor: 'test', reason: 'Carte fermée' });
    expect(r.status).toBe('succeeded');
    expect((await orderRow(o.id))).toEqual({ status: 'refunded', refunded_cents: 25_00 });

    expect(await settle(r.providerRef, 'failed')).toEqual(['review', 'ignored']);
    expect((await refundsOf(o.id))[0]).toMatchObject({ status: 'failed', failure_reason: 'expired_or_canceled_card' });
    expect((await orderRow(o.id))).toEqual({ status: 'paid', refunded_cents: 0 });
    expect(await all(`SELECT review_reason FROM orders WHERE id = @id`, o.id)).toEqual([{ review_reason: 'refund_failed' }]);
    // The refund's journal is reversed: nothing parked in suspense, the value is back on the order's vouchers.
    const parked = (await all<{ n: number }>(`SELECT COALESCE(SUM(l.amount_cents), 0) AS n FROM journal_lines l JOIN journals j ON j.id = l.journal_id WHERE j.order_id = @id AND l.account = 'payments_suspense'`, o.id))[0]!.n;
    expect(parked).toBe(0);
    const live = (await all<{ n: number }>(`SELECT COALESCE(SUM(balance_cents), 0) AS n FROM vouchers WHERE order_id = @id AND status = 'active' AND reissued_from IS NOT NULL`, o.id))[0]!.n;
    expect(live).toBeGreaterThanOrEqual(25_00);
    expect(await ledgerBreaches(app)).toEqual([]);
  });
});

describe('refund retries after Stripe pruned the idempotency key', () => {
  it('a refund retried 25 hours after a lost answer does not refund twice', async () => {
    const o = await paidCardOrder();
    const [a, b] = (await vouchers(o.id));
    expect((await redeem(a!.code, 30_00)).status).toBe(201);
    expect((await redeem(b!.code, 10_00)).status).toBe(201);
    const pending = await refundUnits(deps())((s) => beginRefundSteps(s, app.clock.now(), { orderId: o.id, actor: 'test', reason: 'Réponse perdue' }));
    expect(pending.amountCents).toBe(20_00);
    await callProvider(deps(), pending); // Stripe refunded; our process died before booking it.

    stripe.advanceTime(25 * 3600_000); // Stripe has pruned the key by now.
    const done = await refundUnusedVouchers(deps(), { orderId: o.id, actor: 'test', reason: 'Reprise' });
    expect(done).toMatchObject({ id: pending.id, status: 'succeeded' });
    const made = stripeRefundsOf(o.paymentIntent);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ amount: 20_00, metadata: { refundId: pending.id }, status: 'succeeded' });
    expect((await orderRow(o.id)).refunded_cents).toBe(20_00);
    expect(await ledgerBreaches(app)).toEqual([]);
  });
});
