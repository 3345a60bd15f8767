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
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { refundUnusedVouchers } from '../../server/domain/orders/refunds-service';
import { voidRedemption } from '../../server/domain/redemptions/redemptions-service';
import { expireVouchers } from '../../server/domain/vouchers/expiry-service';
import { adjustVoucher, reissueVoucher, unblockVoucher } from '../../server/domain/vouchers/support-service';
import { createLogger } from '../../server/lib/logger';
import { parisDate } from '../../server/lib/paris-time';
import { stripeClient } from '../../server/payments/stripe-provider';
import { stripeTransfers } from '../../server/payments/stripe-transfers';
import { buyVouchers } from '../support/builders';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { merchantId, settle, take } from '../support/settlement';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

const SECRET = 'sk_test_refund_holds';
const WH = 'whsec_refund_holds';
const clock = fixedClock('2026-11-16T09:00:00Z');
let stripe: FakeStripe;
let app: TestApp;
beforeAll(async () => {
  stripe = await startFakeStripe({ secretKey: SECRET });
  app = await startTestApp({ clock, stripe: { secretKey: SECRET, webhookSecret: WH, apiBase: stripe.url } });
});
afterAll(async () => {
  await app?.close();
  await stripe?.close();
});

const deps = () => ({ database: app.database, clock: app.clock, payments: app.payments, logger: createLogger('silent') });
const voidDeps = () => ({ database: app.database, clock: app.clock, voidWindowMinutes: app.config.voidWindowMinutes });
const all = <T,>(q: string, ...a: unknown[]) => app.database.sqlite.prepare(q).all(...a) as T[];
const one = <T,>(q: string, ...a: unknown[]) => app.database.sqlite.prepare(q).get(...a) as T;
type Row = { id: string; code: string; balance: number; status: string; blockReason: string | null; reissuedFrom: string | null };
const orderVouchers = (orderId: string) =>
  all<Row>(`SELECT v.id, v.code, v.balance_cents AS balance, v.status, v.block_reason AS blockReason, v.reissued_from AS reissuedFrom
            FROM vouchers v JOIN order_items i ON i.id = v.order_item_id WHERE v.order_id = ? AND i.bonus = 0 ORDER BY v.issued_at, v.code`, orderId);
const account = (name: string) => one<{ s: number }>(`SELECT COALESCE(SUM(amount_cents), 0) AS s FROM journal_lines WHERE account = ?`, name).s;
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};

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
  return one<{ id: string; ref: string; amount: number; status: string }>(`SELECT id, provider_ref AS ref, amount_cents AS amount, status FROM refunds WHERE order_id = ? ORDER BY created_at DESC`, orderId);
}
async function settleRefund(ref: string, outcome: 'succeeded' | 'failed') {
  for (const e of stripe.settleRefund(ref, outcome)) expect((await stripe.deliver(app.url, e, WH)).status).toBe(200);
}
const galerne = () => merchantId(app.database, 'librairie-la-galerne');

describe('a voucher held by a pending refund is the refund’s alone', () => {
  it('support can neither unblock, reissue nor adjust it (VOUCHER_REFUND_PENDING); the refund then cancels exactly what it held', async () => {
    const o = await paidCardOrder();
    const r = await pendingRefund(o);
    expect(r.status).toBe('pending');
    const [v] = orderVouchers(o);
    expect(v!.blockReason).toBe(`refund:${r.id}`);
    expect(codeOf(() => unblockVoucher(app, { voucherId: v!.id, actor: 'op' }))).toBe('VOUCHER_REFUND_PENDING');
    expect(codeOf(() => reissueVoucher(app, { voucherId: v!.id, actor: 'op', reason: 'lost' }))).toBe('VOUCHER_REFUND_PENDING');
    expect(codeOf(() => adjustVoucher(app, { voucherId: v!.id, actor: 'op', deltaCents: -1_00, reason: 'goodwill' }))).toBe('VOUCHER_REFUND_PENDING');
    // The till reads it as blocked, as the contract says.
    await expect(take(app, galerne(), v!.code, 5_00)).rejects.toMatchObject({ code: 'VOUCHER_BLOCKED' });
    const suspense = account('payments_suspense');
    await settleRefund(r.ref, 'succeeded');
    expect(orderVouchers(o)).toMatchObject([{ status: 'cancelled', balance: 0 }]);
    expect(account('payments_suspense')).toBe(suspense);
    expect(checkLedger(app.database)).toEqual([]);
  });

  it('a shop’s void during the refund is refused, so the voided value is never cancelled unrefunded', async () => {
    const o = await paidCardOrder();
    const [v] = orderVouchers(o);
    const red = await take(app, galerne(), v!.code, 10_00);
    const r = await pendingRefund(o);
    expect(r.amount).toBe(20_00);
    expect(codeOf(() => voidRedemption(voidDeps(), { merchantId: galerne(), actor: 'till', redemptionId: red.redemption.id }))).toBe('VOUCHER_REFUND_PENDING');
    const suspense = account('payments_suspense');
    await settleRefund(r.ref, 'succeeded');
    expect(account('payments_suspense')).toBe(suspense);
    // The redemption stands: the shop is paid the 10 € it took, the buyer got the 20 € left.
    expect(one(`SELECT status FROM redemptions WHERE id = ?`, red.redemption.id)).toEqual({ status: 'completed' });
    expect(checkLedger(app.database)).toEqual([]);
  });

  it('the expiry job leaves it alone; released by a failed refund, the next run expires it', async () => {
    const o = await paidCardOrder();
    const r = await pendingRefund(o);
    const [v] = orderVouchers(o);
    const expiresAt = one<{ e: string }>(`SELECT expires_at AS e FROM vouchers WHERE id = ?`, v!.id).e;
    const back = clock.now();
    clock.set(new Date(new Date(expiresAt).getTime() + 86_400_000).toISOString());
    try {
      await expireVouchers({ database: app.database, clock: app.clock });
      expect(orderVouchers(o)[0]).toMatchObject({ status: 'blocked', balance: 30_00 });
      await settleRefund(r.ref, 'failed');
      expect(orderVouchers(o)[0]).toMatchObject({ status: 'active', blockReason: null });
      await expireVouchers({ database: app.database, clock: app.clock });
      expect(orderVouchers(o)[0]).toMatchObject({ status: 'expired', balance: 0 });
      expect(checkLedger(app.database)).toEqual([]);
    } finally {
      clock.set(back.toISOString());
    }
  });
});

describe('a refund that fails after it was booked', () => {
  it('restores the books and the buyer’s value on replacement codes, and the order goes up for review', async () => {
    const o = await paidCardOrder(20_00);
    const [v] = orderVouchers(o);
    await take(app, galerne(), v!.code, 5_00);
    const clearing = account('payments_clearing:stripe');
    const liability = account('voucher_liability');
    await refundUnusedVouchers(deps(), { orderId: o, actor: 'test', reason: 'changed mind' });
    const r = one<{ id: string; ref: string; status: string }>(`SELECT id, provider_ref AS ref, status FROM refunds WHERE order_id = ?`, o);
    expect(r.status).toBe('succeeded');
    expect(account('payments_clearing:stripe')).toBe(clearing - 15_00);
    const failure = stripe.settleRefund(r.ref, 'failed');
    for (const e of failure) expect((await stripe.deliver(app.url, e, WH)).status).toBe(200);
    expect(one(`SELECT status FROM refunds WHERE id = ?`, r.id)).toEqual({ status: 'failed' });
    expect(account('payments_clearing:stripe')).toBe(clearing);
    expect(account('voucher_liability')).toBe(liability);
    // A replacement keeps its predecessor's issue date: tell them apart by id.
    const old = orderVouchers(o).find((x) => x.id === v!.id);
    const replacement = orderVouchers(o).find((x) => x.id !== v!.id);
    expect(old).toMatchObject({ id: v!.id, status: 'cancelled', balance: 0 });
    expect(replacement).toMatchObject({ status: 'active', balance: 15_00, reissuedFrom: v!.id });
    expect(one(`SELECT status, refunded_cents AS refunded, review_reason AS review FROM orders WHERE id = ?`, o)).toEqual({ status: 'paid', refunded: 0, review: 'refund_failed' });
    // The holder spends the restored value at the till; a replay of the failure changes nothing.
    await take(app, galerne(), replacement!.code, 15_00);
    for (const e of failure) expect((await stripe.deliver(app.url, e, WH)).status).toBe(200);
    expect(orderVouchers(o)).toHaveLength(2);
    expect(checkLedger(app.database)).toEqual([]);
  });
});

describe('voids and transfer events', () => {
  it('a void that would take the balance above the value says so (VOID_EXCEEDS_VALUE), not the support’s adjustment error', async () => {
    const [v] = await buyVouchers(app, { amountCents: 20_00, quantity: 1 });
    const red = await take(app, galerne(), v!.code, 5_00);
    const id = one<{ id: string }>(`SELECT id FROM vouchers WHERE code = ?`, v!.code).id;
    adjustVoucher(app, { voucherId: id, actor: 'op', deltaCents: 5_00, reason: 'goodwill' });
    expect(codeOf(() => voidRedemption(voidDeps(), { merchantId: galerne(), actor: 'till', redemptionId: red.redemption.id }))).toBe('VOID_EXCEEDS_VALUE');
    expect(checkLedger(app.database)).toEqual([]);
  });

  it('a transfer.created delivered after a full reversal does not pay the statement again', async () => {
    const back = clock.now();
    clock.set('2026-11-20T09:00:00Z');
    try {
      app.database.sqlite.prepare(`UPDATE merchants SET stripe_account_id = 'acct_1Galerne' WHERE id = ?`).run(galerne());
      const [v] = await buyVouchers(app, { amountCents: 100_00, quantity: 1 });
      await take(app, galerne(), v!.code, 40_00);
      clock.advance(3_600_000);
      const r = await settle(app, parisDate(clock.now()), stripeTransfers(stripeClient(app.config.stripe!)));
      const s = r.batch!.statements.find((x) => x.merchant === 'librairie-la-galerne')!;
      const row = one<{ id: string; t: string }>(`SELECT id, stripe_transfer_id AS t FROM statements WHERE reference = ?`, s.reference);
      // Stripe does not order events and retries a failed delivery for days.
      const created = stripe.event('transfer.created', { ...stripe.transfers.get(row.t)! });
      expect((await stripe.deliver(app.url, stripe.reverseTransfer(row.t), WH)).body).toMatchObject({ outcome: 'applied' });
      expect(one(`SELECT status FROM statements WHERE id = ?`, row.id)).toEqual({ status: 'failed' });
      expect((await stripe.deliver(app.url, created, WH)).status).toBe(200);
      expect(one(`SELECT status FROM statements WHERE id = ?`, row.id)).toEqual({ status: 'failed' });
      expect(one(`SELECT COUNT(*) AS n FROM journals WHERE kind = 'settlement_payout' AND description LIKE ?`, `%${s.reference}%`)).toEqual({ n: 1 });
      expect(checkLedger(app.database)).toEqual([]);
    } finally {
      clock.set(back.toISOString());
    }
  });
});
