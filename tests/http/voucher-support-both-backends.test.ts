/**
 * Voucher support (block / unblock, reissue, adjust: support-service.ts) on both backends
 * (issue 14), from the same data (tests/support/refund-backends.ts: paid card orders copied to
 * PostgreSQL by copy-database), each action racing others and the till on the same voucher;
 * check-ledger (the same read programs on both) after each test. REQUIRE_POSTGRES=1 makes a
 * missing PostgreSQL a failure.
 */
import { codeOf } from '../support/outcome';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustVoucherOn, blockVoucherOn, reissueVoucherOn, unblockVoucherOn } from '../../server/domain/vouchers/support-service';
import { systemClock } from '../../server/lib/clock';
import { AppError } from '../../server/lib/errors';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { refundFixture, type Backend, type RefundFixture } from '../support/refund-backends';

const SECRET_KEY = 'sk_test_bons_locaux_support_both';
const WEBHOOK_SECRET = 'whsec_test_bons_locaux_support_both';
const backends: Backend[] = postgresAvailable() ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(backends)('voucher support on %s', (backend) => {
  let cluster: PgCluster | undefined;
  let stripe: FakeStripe;
  let f: RefundFixture;
  beforeAll(async () => {
    if (backend === 'postgres') cluster = await startPostgres();
    stripe = await startFakeStripe({ secretKey: SECRET_KEY });
    f = await refundFixture(backend, { stripe, secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, paid: 3, pending: 0, cluster });
  }, 180_000);
  afterAll(async () => {
    await f?.close();
    await stripe?.close();
    cluster?.stop();
  });

  const deps = () => ({ ...f.on, clock: systemClock });
  const buyerVouchers = async (orderId: string) =>
    f.rows<{ id: string; code: string }>(`SELECT v.id, v.code FROM vouchers v JOIN order_items i ON i.id = v.order_item_id WHERE v.order_id = ? AND i.bonus = 0 ORDER BY v.code`, [orderId]);
  const voucher = async (id: string) => (await f.rows<{ balance: number; status: string; block_reason: string | null }>(`SELECT balance_cents AS balance, status, block_reason FROM vouchers WHERE id = ?`, [id]))[0]!;
  const count = async (sql: string, params: unknown[]) => Number(Object.values((await f.rows(sql, params))[0]!)[0]);
  let keys = 0;
  const redeem = (code: string, amountCents: number) => f.till.redeem({ merchantId: f.shop, actor: 'till', code, amountCents, idempotencyKey: `support-${++keys}` });

  it('blocks (the till refuses), unblocks (the till accepts), adjusts within bounds, refuses past them writing nothing', async () => {
    const [v] = await buyerVouchers(f.paid[0]!.id);
    const blocked = await blockVoucherOn(deps(), { voucherId: v!.id, actor: 'operator:test', reason: 'lost', note: 'perdu au marché' });
    expect(blocked).toMatchObject({ status: 'blocked', blockReason: 'lost: perdu au marché' });
    expect(await codeOf(() => redeem(v!.code, 5_00))).toBe('VOUCHER_BLOCKED');
    expect(await codeOf(() => blockVoucherOn(deps(), { voucherId: v!.id, actor: 'operator:test', reason: 'stolen' }))).toBe('VOUCHER_BLOCKED');
    expect(await unblockVoucherOn(deps(), { voucherId: v!.id, actor: 'operator:test' })).toMatchObject({ status: 'active', blockReason: null });
    expect(await codeOf(() => unblockVoucherOn(deps(), { voucherId: v!.id, actor: 'operator:test' }))).toBe('VOUCHER_NOT_BLOCKED');
    expect(await codeOf(() => redeem(v!.code, 5_00))).toBe('ok');
    expect(await adjustVoucherOn(deps(), { voucherId: v!.id, actor: 'operator:test', deltaCents: 3_00, reason: 'geste commercial' })).toMatchObject({ balanceCents: 28_00 });
    const movements = await count(`SELECT COUNT(*) FROM movements WHERE voucher_id = ?`, [v!.id]);
    expect(await codeOf(() => adjustVoucherOn(deps(), { voucherId: v!.id, actor: 'operator:test', deltaCents: 3_00, reason: 'trop' }))).toBe('ADJUSTMENT_OUT_OF_BOUNDS');
    expect(await codeOf(() => adjustVoucherOn(deps(), { voucherId: 'nope', actor: 'operator:test', deltaCents: 1_00, reason: 'x' }))).toBe('VOUCHER_NOT_FOUND');
    expect(await count(`SELECT COUNT(*) FROM movements WHERE voucher_id = ?`, [v!.id])).toBe(movements);
    expect(await voucher(v!.id)).toMatchObject({ balance: 28_00, status: 'active' });
    expect(await count(`SELECT COUNT(*) FROM audit_log WHERE entity_id = ? AND action IN ('voucher_block', 'voucher_unblock', 'voucher_adjust')`, [v!.id])).toBe(3);
    expect(await f.books()).toEqual([]);
  });

  it('two reissues of one voucher at once: one replacement, the other refused (VOUCHER_CANCELLED)', async () => {
    const [, v] = await buyerVouchers(f.paid[0]!.id);
    await blockVoucherOn(deps(), { voucherId: v!.id, actor: 'operator:test', reason: 'stolen' });
    const outcomes = await Promise.all([1, 2].map(async () => {
      try {
        return await reissueVoucherOn(deps(), { voucherId: v!.id, actor: 'operator:test' });
      } catch (e) {
        if (e instanceof AppError) return e.code;
        throw e;
      }
    }));
    const made = outcomes.filter((o) => typeof o !== 'string');
    expect(made).toHaveLength(1);
    expect(outcomes.filter((o) => typeof o === 'string')).toEqual(['VOUCHER_CANCELLED']);
    const reissued = (made[0] as { reissued: { id: string; code: string; balanceCents: number } }).reissued;
    expect(reissued.balanceCents).toBe(30_00);
    expect(await voucher(v!.id)).toMatchObject({ balance: 0, status: 'cancelled' });
    expect(await count(`SELECT COUNT(*) FROM vouchers WHERE reissued_from = ?`, [v!.id])).toBe(1);
    expect(await codeOf(() => redeem(v!.code, 1_00))).toBe('VOUCHER_CANCELLED');
    expect(await codeOf(() => redeem(reissued.code, 10_00))).toBe('ok');
    expect(await f.books()).toEqual([]);
  });

  it('ten adjustments of −1 € racing ten redemptions of 2 € on one 30 € voucher: every cent accounted for', async () => {
    const [v] = await buyerVouchers(f.paid[1]!.id);
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => codeOf(() => adjustVoucherOn(deps(), { voucherId: v!.id, actor: 'operator:test', deltaCents: -1_00, reason: 'correction' }))),
      ...Array.from({ length: 10 }, () => codeOf(() => redeem(v!.code, 2_00))),
    ]);
    expect(results.every((r) => r === 'ok')).toBe(true);
    expect(await voucher(v!.id)).toMatchObject({ balance: 0, status: 'spent' });
    expect(await count(`SELECT COUNT(*) FROM movements WHERE voucher_id = ? AND kind = 'adjust'`, [v!.id])).toBe(10);
    expect(await count(`SELECT COUNT(DISTINCT seq) FROM movements WHERE voucher_id = ?`, [v!.id])).toBe(21);
    expect(await f.books()).toEqual([]);
  });
});
