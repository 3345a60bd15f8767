/**
 * Property (issue 12): any sequence of purchase, redemption, void, refund, block, unblock,
 * reissue, adjustment, time passing, expiry and settlement, across several vouchers, shops
 * and campaigns (one with a sponsor bonus), keeps the books: after EVERY step check-ledger
 * is clean, no cancelled voucher holds value, and every euro paid in (by buyers, by the
 * sponsor, by support's adjustments) is on a live voucher, with a shop (redeemed, settled
 * or not), refunded, given back to the sponsor with a refund, or booked as breakage.
 * Services are called directly with an injected clock; a refusal (AppError) is a normal
 * outcome, anything else — a CHECK constraint the writer let through — fails the property.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDatabase, openDatabase, type Database_ } from '../../db/client';
import { seedDemo } from '../../db/seed/demo';
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { refundUnusedVouchers } from '../../server/domain/orders/refunds-service';
import { redeem, voidRedemption } from '../../server/domain/redemptions/redemptions-service';
import { runSettlement } from '../../server/domain/settlements/run-settlement';
import { expireVouchers } from '../../server/domain/vouchers/expiry-service';
import { adjustVoucher, blockVoucher, reissueVoucher, unblockVoucher } from '../../server/domain/vouchers/support-service';
import { fixedClock } from '../../server/lib/clock';
import { AppError } from '../../server/lib/errors';
import { createLogger } from '../../server/lib/logger';
import { parisDate } from '../../server/lib/paris-time';
import { loadOperator } from '../../server/operator';
import { DemoProvider } from '../../server/payments/demo-provider';
import { buyVouchers } from '../support/builders';

const clock = fixedClock('2026-03-02T09:00:00Z');
let db: Database_;
let dataDir: string;
const shops: string[] = [];
const vouchers: string[] = []; // ids, replacements included
const orders: string[] = [];
const redemptions: string[] = [];

beforeAll(async () => {
  db = openDatabase(':memory:');
  migrateDatabase(db);
  await seedDemo(db, clock.now());
  dataDir = mkdtempSync(join(tmpdir(), 'ledger-prop-'));
  // Short validity so expiry happens; noel-fecamp carries the sponsor's bonus.
  db.sqlite.prepare(`UPDATE campaigns SET validity_days = 20 WHERE slug = 'seine-estuaire'`).run();
  db.sqlite.prepare(`UPDATE campaigns SET breakage_rule = 'merchants' WHERE slug = 'noel-fecamp'`).run();
  shops.push(...(db.sqlite.prepare(`SELECT DISTINCT merchant_id FROM campaign_merchants ORDER BY merchant_id`).pluck().all() as string[]));
});
afterAll(() => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const deps = () => ({ database: db, clock, voidWindowMinutes: 30 });
const refundDeps = () => ({ database: db, clock, payments: new DemoProvider('http://127.0.0.1'), logger: createLogger('silent') });
const pick = <T,>(list: T[], i: number) => list[i % list.length]!;
const sum = (sql: string) => (db.sqlite.prepare(sql).pluck().get() as number | null) ?? 0;

/** Where every euro that came in is now (see the top comment); the two sides must be equal. */
function moneyTrail() {
  const cameIn = sum(`SELECT SUM(amount_cents) FROM payments`)
    + sum(`SELECT SUM(bonus_cents) FROM orders WHERE status IN ('paid', 'refunded')`)
    + sum(`SELECT SUM(amount_cents) FROM journal_lines WHERE account = 'support_adjustments'`);
  const isNow = sum(`SELECT SUM(balance_cents) FROM vouchers WHERE status != 'cancelled'`)
    + sum(`SELECT SUM(amount_cents) FROM redemptions WHERE status = 'completed'`)
    + sum(`SELECT SUM(amount_cents) FROM refunds WHERE status = 'succeeded'`)
    - sum(`SELECT SUM(l.amount_cents) FROM journal_lines l JOIN journals j ON j.id = l.journal_id WHERE j.kind = 'order_refund' AND l.account LIKE 'sponsor_bonus_receivable:%'`)
    - sum(`SELECT SUM(amount_cents) FROM movements WHERE kind = 'expire'`);
  return { cameIn, isNow };
}

const step = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('buy' as const), amount: fc.constantFrom(10_00, 25_00, 50_00), quantity: fc.integer({ min: 1, max: 2 }), noel: fc.boolean() }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('redeem' as const), v: fc.nat(), shop: fc.nat(), amount: fc.oneof(fc.integer({ min: 1, max: 8_00 }), fc.integer({ min: 1, max: 60_00 })) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('void' as const), r: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('refund' as const), o: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('block' as const), v: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unblock' as const), v: fc.nat() }) },
  // `last`: the voucher of the latest redemption, so a void may follow a reissue inside the window.
  { weight: 3, arbitrary: fc.record({ op: fc.constant('reissue' as const), v: fc.nat(), last: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('adjust' as const), v: fc.nat(), delta: fc.integer({ min: -30_00, max: 30_00 }).filter((d) => d !== 0) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('wait' as const), minutes: fc.constantFrom(5, 31, 600, 3 * 24 * 60, 15 * 24 * 60) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'expire' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'settle' as const }) },
);
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

async function apply(s: Step): Promise<void> {
  const actor = 'property';
  if (s.op === 'buy') {
    const bought = await buyVouchers({ database: db, clock }, { amountCents: s.amount, quantity: s.quantity, campaign: s.noel ? 'noel-fecamp' : 'seine-estuaire' });
    vouchers.push(...bought.map((v) => v.id));
    orders.push(bought[0]!.orderId);
    return;
  }
  if (s.op === 'wait') return clock.advance(s.minutes * 60_000);
  if (s.op === 'expire') return void (await expireVouchers({ database: db, clock }));
  if (s.op === 'settle') return void (await runSettlement({ ...deps(), operator: loadOperator({}, false), dataDir, transfers: null }, { until: parisDate(clock.now()), actor }));
  if (s.op === 'refund' && orders.length) return void (await refundUnusedVouchers(refundDeps(), { orderId: pick(orders, s.o), actor, reason: 'property' }));
  if (s.op === 'void' && redemptions.length) {
    // Mostly one of the latest: older ones are usually past the void window.
    const id = redemptions[redemptions.length - 1 - (s.r % Math.min(3, redemptions.length))]!;
    const merchantId = db.sqlite.prepare(`SELECT merchant_id FROM redemptions WHERE id = ?`).pluck().get(id) as string;
    return void voidRedemption(deps(), { merchantId, actor, redemptionId: id });
  }
  if (!vouchers.length || !('v' in s)) return;
  const latest = s.op === 'reissue' && s.last && redemptions.length
    ? (db.sqlite.prepare(`SELECT voucher_id FROM redemptions WHERE id = ?`).pluck().get(redemptions[redemptions.length - 1]) as string)
    : undefined;
  const voucherId = latest ?? pick(vouchers, s.v);
  if (s.op === 'redeem') {
    const code = db.sqlite.prepare(`SELECT code FROM vouchers WHERE id = ?`).pluck().get(voucherId) as string;
    const r = await redeem(deps(), { merchantId: pick(shops, s.shop), actor, code, amountCents: s.amount, idempotencyKey: `p-${redemptions.length}-${Math.random()}` });
    redemptions.push(r.redemption.id);
  } else if (s.op === 'block') blockVoucher(deps(), { voucherId, actor, reason: 'lost' });
  else if (s.op === 'unblock') unblockVoucher(deps(), { voucherId, actor });
  else if (s.op === 'reissue') vouchers.push(reissueVoucher(deps(), { voucherId, actor }).reissued.id);
  else if (s.op === 'adjust') adjustVoucher(deps(), { voucherId, actor, deltaCents: s.delta, reason: 'property' });
}

describe('one ledger writer keeps every euro in its place', () => {
  it('over random sequences of every money path, checked after each step', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        for (const s of steps) {
          try {
            await apply(s);
          } catch (err) {
            if (!(err instanceof AppError)) throw err;
          }
          expect(checkLedger(db), JSON.stringify(s)).toEqual([]);
          expect(sum(`SELECT COUNT(*) FROM vouchers WHERE status = 'cancelled' AND balance_cents != 0`)).toBe(0);
          const trail = moneyTrail();
          expect(trail.isNow, JSON.stringify(s)).toBe(trail.cameIn);
        }
      }),
      { numRuns: 60, seed: 12_2026 },
    );
    // The sequences reached every path (a property that never refunds proves nothing).
    const reached = db.sqlite.prepare(`SELECT
      (SELECT COUNT(*) FROM refunds WHERE status = 'succeeded') AS refunds,
      (SELECT COUNT(*) FROM vouchers WHERE reissued_from IS NOT NULL) AS reissues,
      (SELECT COUNT(*) FROM movements m JOIN vouchers v ON v.id = m.voucher_id JOIN redemptions r ON r.id = m.redemption_id WHERE m.kind = 'void' AND r.voucher_id != v.id) AS voidsOnReplacement,
      (SELECT COUNT(*) FROM redemptions WHERE status = 'voided') AS voids,
      (SELECT COUNT(*) FROM movements WHERE kind = 'adjust') AS adjustments,
      (SELECT COUNT(*) FROM movements WHERE kind = 'expire') AS expiries,
      (SELECT COUNT(*) FROM statements) AS statements`).get() as Record<string, number>;
    for (const [k, n] of Object.entries(reached)) expect(n, `${k} ${JSON.stringify(reached)}`).toBeGreaterThan(0);
  }, 120_000);
});
