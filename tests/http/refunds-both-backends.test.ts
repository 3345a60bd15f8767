/**
 * Refunds and voucher support on both backends (issue 14), from the same data
 * (tests/support/refund-backends.ts): Stripe's refund events delivered again and again to two
 * webhook servers at once (two SQLite connections on one file; two PostgreSQL pools on one
 * database) book a refund once; an operator's refund racing a till redemption on the same
 * voucher ends consistent whichever wins; the support actions keep the books. check-ledger
 * (the same read programs on both) after each test. PostgreSQL skips only where it is not
 * installed; REQUIRE_POSTGRES=1 (CI) makes that a failure.
 */
import { codeOf } from '../support/outcome';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundUnusedVouchers } from '../../server/domain/orders/refunds-service';
import { createLogger } from '../../server/lib/logger';
import { systemClock } from '../../server/lib/clock';
import { startFakeStripe, type FakeStripe, type StripeEventObject } from '../support/fake-stripe';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { refundFixture, type Backend, type RefundFixture } from '../support/refund-backends';

const SECRET_KEY = 'sk_test_bons_locaux_refunds_both';
const WEBHOOK_SECRET = 'whsec_test_bons_locaux_refunds_both';
const backends: Backend[] = postgresAvailable() ? ['sqlite', 'postgres'] : ['sqlite'];
const silent = createLogger('silent');

describe.each(backends)('refunds on %s', (backend) => {
  let cluster: PgCluster | undefined;
  let stripe: FakeStripe;
  let f: RefundFixture;
  beforeAll(async () => {
    if (backend === 'postgres') cluster = await startPostgres();
    stripe = await startFakeStripe({ secretKey: SECRET_KEY });
    f = await refundFixture(backend, { stripe, secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, paid: 6, pending: 3, cluster });
  }, 180_000);
  afterAll(async () => {
    await f?.close();
    await stripe?.close();
    cluster?.stop();
  });

  const vouchersOf = (orderId: string) =>
    f.rows<{ id: string; code: string; balance: number; status: string; bonus: number; reissued_from: string | null }>(
      `SELECT v.id, v.code, v.balance_cents AS balance, v.status, i.bonus, v.reissued_from FROM vouchers v JOIN order_items i ON i.id = v.order_item_id WHERE v.order_id = ? ORDER BY v.issued_at, v.code`,
      [orderId],
    );
  const count = async (sql: string, params: unknown[]) => Number(Object.values((await f.rows(sql, params))[0]!)[0]);
  const orderRow = async (id: string) => (await f.rows<{ status: string; refunded_cents: number; review_reason: string | null }>(`SELECT status, refunded_cents, review_reason FROM orders WHERE id = ?`, [id]))[0]!;
  const refundRow = async (id: string) => (await f.rows<{ status: string; amount_cents: number; journal_id: string | null }>(`SELECT status, amount_cents, journal_id FROM refunds WHERE id = ?`, [id]))[0]!;
  /** Each event `times` times to both servers at once; the outcomes. */
  const deliverEverywhere = async (events: StripeEventObject[], times: number) => {
    const all = await Promise.all(events.flatMap((e) => Array.from({ length: times }, () => f.servers.map((url) => stripe.deliver(url, e, WEBHOOK_SECRET)))).flat());
    for (const d of all) expect(d.status, JSON.stringify(d.body)).toBe(200);
    return all.map((d) => d.body.outcome as string);
  };
  const refundDeps = () => ({ ...f.on, clock: systemClock, payments: f.payments, logger: silent });

  it('a refund event delivered 5 times to two servers at once is booked once', async () => {
    const p = f.pending[0]!;
    const before = await vouchersOf(p.orderId);
    expect(before.filter((v) => !v.bonus).map((v) => v.status)).toEqual(['blocked', 'blocked']);
    const outcomes = await deliverEverywhere(stripe.settleRefund(p.ref, 'succeeded'), 5);
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'applied').every((o) => o === 'ignored')).toBe(true);
    expect(await refundRow(p.refundId)).toMatchObject({ status: 'succeeded', amount_cents: 60_00 });
    expect(await orderRow(p.orderId)).toMatchObject({ status: 'refunded', refunded_cents: 60_00 });
    const after = await vouchersOf(p.orderId);
    expect(after.map((v) => [v.status, v.balance])).toEqual(before.map(() => ['cancelled', 0]));
    expect(await count(`SELECT COUNT(*) FROM journals WHERE order_id = ? AND kind = 'order_refund'`, [p.orderId])).toBe(1);
    expect(await count(`SELECT COUNT(*) FROM movements m JOIN vouchers v ON v.id = m.voucher_id WHERE v.order_id = ? AND m.kind = 'cancel'`, [p.orderId])).toBe(before.length);
    expect(await count(`SELECT COUNT(*) FROM audit_log WHERE entity_id = ? AND action = 'order_refunded'`, [p.orderId])).toBe(1);
    expect(await f.books()).toEqual([]);
  });

  it('a booked refund Stripe then reports failed, delivered 5 times to both: vouchers restored once', async () => {
    const p = f.pending[0]!;
    const cancelled = await vouchersOf(p.orderId);
    const outcomes = await deliverEverywhere(stripe.settleRefund(p.ref, 'failed', 'expired_or_canceled_card'), 5);
    expect(outcomes.filter((o) => o === 'review')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'review').every((o) => o === 'ignored')).toBe(true);
    expect(await refundRow(p.refundId)).toMatchObject({ status: 'failed' });
    expect(await orderRow(p.orderId)).toMatchObject({ status: 'paid', refunded_cents: 0, review_reason: 'refund_failed' });
    const now = await vouchersOf(p.orderId);
    const replacements = now.filter((v) => v.reissued_from);
    expect(replacements).toHaveLength(cancelled.length);
    expect(replacements.every((v) => v.status === 'active')).toBe(true);
    expect(await count(`SELECT COUNT(*) FROM journals WHERE order_id = ? AND kind = 'order_refund_failed'`, [p.orderId])).toBe(1);
    expect(await f.books()).toEqual([]);
  });

  it('a pending refund Stripe cancels, delivered to both: the held vouchers go back once', async () => {
    const p = f.pending[1]!;
    const outcomes = await deliverEverywhere(stripe.settleRefund(p.ref, 'canceled'), 3);
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(await refundRow(p.refundId)).toMatchObject({ status: 'canceled', journal_id: null });
    expect((await vouchersOf(p.orderId)).map((v) => v.status)).toEqual(['active', 'active', 'active']);
    expect(await count(`SELECT COUNT(*) FROM movements m JOIN vouchers v ON v.id = m.voucher_id WHERE v.order_id = ? AND m.kind <> 'issue'`, [p.orderId])).toBe(0);
    expect(await f.books()).toEqual([]);
  });

  it("an operator's refund racing a till redemption on the same voucher: whichever wins, the sums hold", async () => {
    const seen = new Set<string>();
    for (const order of f.paid.slice(0, 4)) {
      const [first] = (await vouchersOf(order.id)).filter((v) => !v.bonus);
      const [refund, redeemed] = await Promise.all([
        refundUnusedVouchers(refundDeps(), { orderId: order.id, actor: 'operator:test', reason: 'client parti' }),
        codeOf(f.till.redeem({ merchantId: f.shop, actor: 'till', code: first!.code, amountCents: 12_00, idempotencyKey: `race-${order.id}` })),
      ]);
      seen.add(redeemed);
      expect(['ok', 'VOUCHER_BLOCKED', 'VOUCHER_CANCELLED', 'VOUCHER_REFUND_PENDING']).toContain(redeemed);
      expect(refund.status).toBe('succeeded');
      // Redeemed first: the refund gives back what was left; refused: all of it.
      expect(refund.amountCents).toBe(redeemed === 'ok' ? 48_00 : 60_00);
      expect(await count(`SELECT COALESCE(SUM(amount_cents), 0) FROM redemptions WHERE voucher_id = ? AND status = 'completed'`, [first!.id])).toBe(redeemed === 'ok' ? 12_00 : 0);
      expect((await vouchersOf(order.id)).map((v) => [v.status, v.balance])).toEqual([['cancelled', 0], ['cancelled', 0], ['cancelled', 0]]);
      expect(await orderRow(order.id)).toMatchObject({ refunded_cents: refund.amountCents });
    }
    expect(seen.size).toBeGreaterThan(0);
    expect(await f.books()).toEqual([]);
  });

  it('a second refund of a refunded order is refused, on either backend, writing nothing', async () => {
    const order = f.paid[0]!;
    const refunds = await count(`SELECT COUNT(*) FROM refunds WHERE order_id = ?`, [order.id]);
    expect(await codeOf(refundUnusedVouchers(refundDeps(), { orderId: order.id, actor: 'operator:test', reason: 'encore' }))).toMatch(/^REFUND_NOT_PAID$|^NOTHING_TO_REFUND$/);
    expect(await count(`SELECT COUNT(*) FROM refunds WHERE order_id = ?`, [order.id])).toBe(refunds);
    expect(await f.books()).toEqual([]);
  });
});
