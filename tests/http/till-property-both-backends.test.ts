/**
 * Property (issue 14): any sequence of redemptions, voids and retried redemptions, across
 * several vouchers and shops, keeps the books on BOTH backends — the same steps, on SQLite
 * and PostgreSQL, checked by check-ledger on each. After each step the answer agrees with the
 * database (the balance it states is the voucher's) and with a model of the vouchers; after
 * each run the books are clean and every euro taken from a voucher is on a completed
 * redemption. A refusal is a normal outcome only where the model says it must be one.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../server/lib/clock';
import { AppError } from '../../server/lib/errors';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { tillFixture, type Backend, type TillFixture } from '../support/till-backends';

const backends: Backend[] = postgresAvailable() ? ['sqlite', 'postgres'] : ['sqlite'];
const VALUES = [10_00, 25_00, 50_00, 50_00];

const step = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('redeem' as const), v: fc.nat(), shop: fc.nat(), amount: fc.oneof(fc.integer({ min: 1, max: 5_00 }), fc.integer({ min: 1, max: 60_00 })) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('void' as const), r: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('retry' as const), r: fc.nat() }) },
);

describe.each(backends)('the till keeps the books on %s', (backend) => {
  const clock = fixedClock('2026-11-23T10:00:00Z');
  let cluster: PgCluster | undefined;
  let f: TillFixture;
  /** The model: each voucher's balance, and the redemptions made (with what a retry must answer). */
  const balance = new Map<string, number>();
  const made: { id: string; voucherId: string; code: string; shop: string; key: string; amount: number; balanceAfter: number; voided: boolean }[] = [];
  let keys = 0;

  beforeAll(async () => {
    if (backend === 'postgres') cluster = await startPostgres();
    f = await tillFixture(backend, { clock, values: VALUES, cluster });
    for (const v of f.vouchers) balance.set(v.id, v.amountCents);
  }, 120_000);
  afterAll(async () => {
    await f?.close();
    cluster?.stop();
  });

  const dbBalance = async (id: string) => Number(await f.scalar(`SELECT balance_cents FROM vouchers WHERE id = ?`, [id]));

  it('over random sequences of redemptions, voids and retries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        for (const s of steps) {
          if (s.op === 'redeem') {
            const v = f.vouchers[s.v % f.vouchers.length]!;
            const shop = f.shops[s.shop % f.shops.length]!;
            const key = `prop-key-${++keys}`;
            const had = balance.get(v.id)!;
            try {
              const r = await f.till.redeem({ merchantId: shop, actor: 'prop', code: v.code, amountCents: s.amount, idempotencyKey: key });
              expect(s.amount).toBeLessThanOrEqual(had);
              expect(r.voucher.balanceCents).toBe(had - s.amount);
              balance.set(v.id, had - s.amount);
              made.push({ id: r.redemption.id, voucherId: v.id, code: v.code, shop, key, amount: s.amount, balanceAfter: had - s.amount, voided: false });
            } catch (e) {
              if (!(e instanceof AppError)) throw e;
              expect(e.code).toBe('INSUFFICIENT_BALANCE');
              expect(s.amount).toBeGreaterThan(had);
            }
          } else if (made.length) {
            const m = made[s.r % made.length]!;
            if (s.op === 'void') {
              const r = await f.till.voidRedemption({ merchantId: m.shop, actor: 'prop', redemptionId: m.id });
              expect(r.replayed).toBe(m.voided);
              if (!m.voided) balance.set(m.voucherId, balance.get(m.voucherId)! + m.amount);
              m.voided = true;
              expect(r.voucher.balanceCents).toBe(balance.get(m.voucherId));
            } else {
              const r = await f.till.redeem({ merchantId: m.shop, actor: 'prop', code: m.code, amountCents: m.amount, idempotencyKey: m.key });
              expect(r).toMatchObject({ replayed: true, redemption: { id: m.id, status: 'completed' }, voucher: { balanceCents: m.balanceAfter } });
            }
          }
        }
        for (const v of f.vouchers) expect(await dbBalance(v.id)).toBe(balance.get(v.id));
        const taken = [...balance.entries()].reduce((sum, [id, b]) => sum + f.vouchers.find((v) => v.id === id)!.amountCents - b, 0);
        expect(Number(await f.scalar(`SELECT COALESCE(SUM(amount_cents), 0) FROM redemptions WHERE status = 'completed' AND actor = 'prop'`))).toBe(taken);
        expect(await f.books()).toEqual([]);
      }),
      { numRuns: 25 },
    );
  }, 240_000);
});
