/**
 * The seams between the ledger writer, pending refunds, expiry and Stripe's transfer events
 * (found by an independent review of issue 12's merged work). Each case failed before the fix:
 * - a voucher held by a pending refund could be unblocked, reissued, voided into or expired,
 *   so the same euros went out twice or were stranded in suspense;
 * - a refund that failed after it was booked left the buyer with cancelled vouchers;
 * - a late `transfer.created` after a full reversal paid the statement a second time;
 * - a void after an upward adjustment answered with the support's adjustment error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundUnusedVouchers } from '../../server/domain/orders/refunds-service';
import { adjustVoucherOn, reissueVoucherOn, unblockVoucherOn } from '../../server/domain/vouchers/support-service';
import { createLogger } from '../../server/lib/logger';
import { parisDate } from '../../server/lib/paris-time';
import { stripeClient } from '../../server/payments/stripe-provider';
import { stripeTransfers } from '../../server/payments/stripe-transfers';
import { rowOf, rowsOf } from '../support/backend-query';
import { buyVouchersOn } from '../support/builders';
import { expireOn } from '../support/builders-on';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { ledgerBreaches } from '../support/ledger-check';
import { codeOf } from '../support/outcome';
import { merchantIdOn, settle, take, voidOn } from '../support/settlement';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

const SECRET = 'sk_test_refund_holds';
const WH = 'whsec_refund_holds';
const clock = fixedClock('2026-11-16T09:00:00Z');
let stripe: FakeStripe;
let app: TestApp;
/** Librairie La Galerne's id, read on the app's backend once it runs. */
let shop: string;
beforeAll(async () => {
  stripe = await startFakeStripe({ secretKey: SECRET });
  app = await startTestApp({ clock, stripe: { secretKey: SECRET, webhookSecret: WH, apiBase: stripe.url } });
  shop = await merchantIdOn(app, 'librairie-la-galerne');
});
afterAll(async () => {
  await app?.close();
  await stripe?.close();
});

// Every service and row on the app's backend (TEST_BACKEND=postgres runs this file on PostgreSQL).
const deps = () => ({ database: app.database, pg: app.pg, clock: app.clock, payments: app.payments, logger: createLogger('silent') });
const support = () => ({ database: app.database, pg: app.pg, clock: app.clock });
/** Portable SQL (backend-query.ts): `@name` parameters, lower-case aliases. */
const one = async <T,>(q: string, params: Record<string, string> = {}) => (await rowOf<T>(app, q, params))!;
type Row = { id: string; code: string; balance: number; status: string; blockreason: string | null; reissuedfrom: string | null };
const orderVouchers = (orderId: string) =>
  rowsOf<Row>(app, `SELECT v.id, v.code, v.balance_cents AS balance, v.status, v.block_reason AS blockreason, v.reissued_from AS reissuedfrom
            FROM vouchers v JOIN order_items i ON i.id = v.order_item_id WHERE v.order_id = @orderId AND i.bonus = 0 ORDER BY v.issued_at, v.code`, { orderId });
const account = async (name: string) => (await one<{ s: number }>(`SELECT COALESCE(SUM(amount_cents), 0) AS s FROM journal_lines WHERE account = @name`, { name })).s;

let n = 0;
async function paidCardOrder(amountCents = 30_00): Promise<string> {
  const res = await fetch(`${app.url}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ campaign: 'seine-estuaire', paymentMethod: 'card', buyer: { type: 'individual', name: 'Holder', email: `holder.${++n}@example.org` }, items: [{ amountCents, quantity: 1 }] }),
  });
  const body = (await res.json()) as { order: { id: string } };
  expect(res.status).toBe(201);
  const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === body.order.id)!;
  expect((await stripe.deliver(app.url, stripe.event('checkout.session.completed', stripe.completeSession(session.id)), WH)).status).toBe(200);
  return body.order.id;
}
async function pendingRefund(orderId: string) {
  stripe.setRefundMode('pending');
  try {
    await refundUnusedVouchers(deps(), { orderId, actor: 'test', reason: 'holds' });
  } finally {
    stripe.setRefundMode('succeeded');
  }
  return one<{ id: string; ref: string; amount: number; status: string }>(`SELECT id, provider_ref AS ref, amount_cents AS amount, status FROM refunds WHERE order_id = @orderId ORDER BY created_at DESC`, { orderId });
}
async function settleRefund(ref: string, outcome: 'succeeded' | 'failed') {
  for (const e of stripe.settleRefund(ref, outcome)) expect((await stripe.deliver(app.url, e, WH)).status).toBe(200);
}

describe('a voucher held by a pending refund is the refund’s alone', () => {
  it('support can neither unblock, reissue nor adjust it (VOUCHER_REFUND_PENDING); the refund then cancels exactly what it held', async () => {
    const o = await paidCardOrder();
    const r = await pendingRefund(o);
    expect(r.status).toBe('pending');
    const [v] = await orderVouchers(o);
    expect(v!.blockreason).toBe(`refund:${r.id}`);
    expect(await codeOf(() => unblockVoucherOn(support(), { voucherId: v!.id, actor: 'op' }))).toBe('VOUCHER_REFUND_PENDING');
    expect(await codeOf(() => reissueVoucherOn(support(), { voucherId: v!.id, actor: 'op', reason: 'lost' }))).toBe('VOUCHER_REFUND_PENDING');
    expect(await codeOf(() => adjustVoucherOn(support(), { voucherId: v!.id, actor: 'op', deltaCents: -1_00, reason: 'goodwill' }))).toBe('VOUCHER_REFUND_PENDING');
    // The till reads it as blocked, as the contract says.
    await expect(take(app, shop, v!.code, 5_00)).rejects.toMatchObject({ code: 'VOUCHER_BLOCKED' });
    const suspense = await account('payments_suspense');
    await settleRefund(r.ref, 'succeeded');
    expect(await orderVouchers(o)).toMatchObject([{ status: 'cancelled', balance: 0 }]);
    expect(await account('payments_suspense')).toBe(suspense);
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('a shop’s void during the refund is refused, so the voided value is never cancelled unrefunded', async () => {
    const o = await paidCardOrder();
    const [v] = await orderVouchers(o);
    const red = await take(app, shop, v!.code, 10_00);
    const r = await pendingRefund(o);
    expect(r.amount).toBe(20_00);
    expect(await codeOf(() => voidOn(app, { merchantId: shop, actor: 'till', redemptionId: red.redemption.id }))).toBe('VOUCHER_REFUND_PENDING');
    const suspense = await account('payments_suspense');
    await settleRefund(r.ref, 'succeeded');
    expect(await account('payments_suspense')).toBe(suspense);
    // The redemption stands: the shop is paid the 10 € it took, the buyer got the 20 € left.
    expect(await one(`SELECT status FROM redemptions WHERE id = @id`, { id: red.redemption.id })).toEqual({ status: 'completed' });
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('the expiry job leaves it alone; released by a failed refund, the next run expires it', async () => {
    const o = await paidCardOrder();
    const r = await pendingRefund(o);
    const [v] = await orderVouchers(o);
    const expiresAt = (await one<{ e: string }>(`SELECT expires_at AS e FROM vouchers WHERE id = @id`, { id: v!.id })).e;
    const back = clock.now();
    clock.set(new Date(new Date(expiresAt).getTime() + 86_400_000).toISOString());
    try {
      await expireOn(app);
      expect((await orderVouchers(o))[0]).toMatchObject({ status: 'blocked', balance: 30_00 });
      await settleRefund(r.ref, 'failed');
      expect((await orderVouchers(o))[0]).toMatchObject({ status: 'active', blockreason: null });
      await expireOn(app);
      expect((await orderVouchers(o))[0]).toMatchObject({ status: 'expired', balance: 0 });
      expect(await ledgerBreaches(app)).toEqual([]);
    } finally {
      clock.set(back.toISOString());
    }
  });
});

describe('a refund that fails after it was booked', () => {
  it('restores the books and the buyer’s value on replacement codes, and the order goes up for review', async () => {
    const o = await paidCardOrder(20_00);
    const [v] = await orderVouchers(o);
    await take(app, shop, v!.code, 5_00);
    const clearing = await account('payments_clearing:stripe');
    const liability = await account('voucher_liability');
    await refundUnusedVouchers(deps(), { orderId: o, actor: 'test', reason: 'changed mind' });
    const r = await one<{ id: string; ref: string; status: string }>(`SELECT id, provider_ref AS ref, status FROM refunds WHERE order_id = @o`, { o });
    expect(r.status).toBe('succeeded');
    expect(await account('payments_clearing:stripe')).toBe(clearing - 15_00);
    const failure = stripe.settleRefund(r.ref, 'failed');
    for (const e of failure) expect((await stripe.deliver(app.url, e, WH)).status).toBe(200);
    expect(await one(`SELECT status FROM refunds WHERE id = @id`, { id: r.id })).toEqual({ status: 'failed' });
    expect(await account('payments_clearing:stripe')).toBe(clearing);
    expect(await account('voucher_liability')).toBe(liability);
    // A replacement keeps its predecessor's issue date: tell them apart by id.
    const after = await orderVouchers(o);
    const old = after.find((x) => x.id === v!.id);
    const replacement = after.find((x) => x.id !== v!.id);
    expect(old).toMatchObject({ id: v!.id, status: 'cancelled', balance: 0 });
    expect(replacement).toMatchObject({ status: 'active', balance: 15_00, reissuedfrom: v!.id });
    expect(await one(`SELECT status, refunded_cents AS refunded, review_reason AS review FROM orders WHERE id = @o`, { o })).toEqual({ status: 'paid', refunded: 0, review: 'refund_failed' });
    // The holder spends the restored value at the till; a replay of the failure changes nothing.
    await take(app, shop, replacement!.code, 15_00);
    for (const e of failure) expect((await stripe.deliver(app.url, e, WH)).status).toBe(200);
    expect(await orderVouchers(o)).toHaveLength(2);
    expect(await ledgerBreaches(app)).toEqual([]);
  });
});

describe('voids and transfer events', () => {
  it('a void that would take the balance above the value says so (VOID_EXCEEDS_VALUE), not the support’s adjustment error', async () => {
    const [v] = await buyVouchersOn(app, { amountCents: 20_00, quantity: 1 });
    const red = await take(app, shop, v!.code, 5_00);
    const id = (await one<{ id: string }>(`SELECT id FROM vouchers WHERE code = @code`, { code: v!.code })).id;
    await adjustVoucherOn(support(), { voucherId: id, actor: 'op', deltaCents: 5_00, reason: 'goodwill' });
    expect(await codeOf(() => voidOn(app, { merchantId: shop, actor: 'till', redemptionId: red.redemption.id }))).toBe('VOID_EXCEEDS_VALUE');
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('a transfer.created delivered after a full reversal does not pay the statement again', async () => {
    const back = clock.now();
    clock.set('2026-11-20T09:00:00Z');
    try {
      await rowsOf(app, `UPDATE merchants SET stripe_account_id = 'acct_1Galerne' WHERE id = @id`, { id: shop });
      const [v] = await buyVouchersOn(app, { amountCents: 100_00, quantity: 1 });
      await take(app, shop, v!.code, 40_00);
      clock.advance(3_600_000);
      const r = await settle(app, parisDate(clock.now()), stripeTransfers(stripeClient(app.config.stripe!)));
      const s = r.batch!.statements.find((x) => x.merchant === 'librairie-la-galerne')!;
      const row = await one<{ id: string; t: string }>(`SELECT id, stripe_transfer_id AS t FROM statements WHERE reference = @ref`, { ref: s.reference });
      // Stripe does not order events and retries a failed delivery for days.
      const created = stripe.event('transfer.created', { ...stripe.transfers.get(row.t)! });
      expect((await stripe.deliver(app.url, stripe.reverseTransfer(row.t), WH)).body).toMatchObject({ outcome: 'applied' });
      expect(await one(`SELECT status FROM statements WHERE id = @id`, { id: row.id })).toEqual({ status: 'failed' });
      expect((await stripe.deliver(app.url, created, WH)).status).toBe(200);
      expect(await one(`SELECT status FROM statements WHERE id = @id`, { id: row.id })).toEqual({ status: 'failed' });
      expect(await one(`SELECT COUNT(*) AS n FROM journals WHERE kind = 'settlement_payout' AND description LIKE @ref`, { ref: `%${s.reference}%` })).toEqual({ n: 1 });
      expect(await ledgerBreaches(app)).toEqual([]);
    } finally {
      clock.set(back.toISOString());
    }
  });
});
