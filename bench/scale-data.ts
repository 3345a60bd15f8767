/**
 * The national dataset, built through the project's own code paths: orders created by the
 * order service (town halls' bulk orders paid by bank transfer, residents' card orders paid
 * by a provider event), every redemption through the till's `redeem()` (group commit, the
 * ledger writer), some voided by their shop through `voidRedemption()`, and each size
 * settled by `runSettlement()`. Only the shops are inserted directly (addShops, as the
 * settlement benchmark does): onboarding has no money in it.
 *
 * The data grows in place (10 k → 200 k → 1 M redemptions) so each size is measured on the
 * same history, and spans ~11 months of a 365-day campaign: 5 redemptions per voucher on
 * average (the issue's shape: 200 k vouchers, 1 M redemptions, 1 000 shops).
 */
import type { Database_ } from '../db/client';
import { recordBankTransfer } from '../server/domain/orders/bank-transfers-service';
import { createOrder, type OrdersDeps } from '../server/domain/orders/orders-service';
import { handleProviderEvent } from '../server/domain/orders/payment-events-service';
import { redeem, voidRedemption, type RedemptionsDeps } from '../server/domain/redemptions/redemptions-service';
import { runSettlement } from '../server/domain/settlements/run-settlement';
import type { DemoProvider } from '../server/payments/demo-provider';
import { parisDate } from '../server/lib/paris-time';
import { addRedemptions, addShops, issueVouchers, PER_VOUCHER } from './settlement-data';

export const REDEMPTIONS_PER_VOUCHER = 5;
/** Vouchers per issuing round: 9 in 10 from a town hall's bulk order, the rest bought by residents. */
const ROUND = 1_000;
/** Redemptions in flight at once: one group commit each (what a busy Saturday looks like). */
const IN_FLIGHT = 200;
const DAY = 86400_000;

const TOWN_HALL = {
  type: 'municipality' as const, name: 'Service des affaires sociales', email: 'social@mairie-exemple.fr', organisation: 'Mairie de Montivilliers',
  siret: '21764470700010', address: { lines: ['Place François Mitterrand'], postalCode: '76290', city: 'Montivilliers' },
};

export interface ScaleWorld {
  /** Where the settlement writes its SEPA files. */
  dataDir: string;
  database: Database_;
  clock: { now(): Date; set(d: Date): void };
  orders: OrdersDeps & { payments: DemoProvider };
  redemptions: RedemptionsDeps;
  /** Timeline: from `start` to `end`, reached when `maxRedemptions` are written. */
  start: number;
  end: number;
  maxRedemptions: number;
  shops: string[];
  /** Vouchers still holding value: code and balance (cents). */
  open: { code: string; balance: number }[];
  redeemed: number;
  voided: number;
  orderCount: number;
  round: number;
}

/** Shops for the largest size (1 per 1 000 redemptions, at least 10), all accepting every campaign. */
export function prepareShops(world: ScaleWorld): void {
  const count = Math.max(10, Math.round(world.maxRedemptions / 1_000));
  addShops(world.database, count, new Date(world.start));
  world.shops = world.database.sqlite.prepare(`SELECT id FROM merchants WHERE id LIKE 'bench-shop-%' ORDER BY id`).pluck().all() as string[];
}

/** Deterministic pseudo-random numbers (the same dataset on every run). */
const mix = (n: number) => {
  let x = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return ((x ^ (x >>> 16)) >>> 0) / 4294967296;
};

async function issueRound(world: ScaleWorld): Promise<void> {
  const r = world.round++;
  const bulk = Math.round(ROUND * 0.9);
  const created = await createOrder(world.orders, { campaignSlug: 'seine-estuaire', buyer: TOWN_HALL, items: [{ amountCents: 100_00, quantity: bulk }], paymentMethod: 'bank_transfer', locale: 'fr', byOperator: true });
  await recordBankTransfer(world.orders, { orderId: created.order.id, amountCents: created.order.totalCents, reference: `SCALE-${r}`, actor: 'bench' });
  world.orderCount++;
  const orderIds = [created.order.id];
  // Residents: card orders of 10 vouchers of 50 € (under the campaign's 1 500 € per order).
  for (let i = 0; i < (ROUND - bulk) / 10; i++) {
    const o = await createOrder(world.orders, {
      campaignSlug: 'seine-estuaire', buyer: { type: 'individual', name: `Habitant ${r}-${i}`, email: `habitant-${r}-${i}@example.org` },
      items: [{ amountCents: 50_00, quantity: 10 }], paymentMethod: 'card', locale: 'fr',
    });
    handleProviderEvent(world.orders, world.orders.payments.simulatedEvent(o.order.checkoutRef!, 'paid', o.order.totalCents));
    world.orderCount++;
    orderIds.push(o.order.id);
  }
  const rows = world.database.sqlite
    .prepare(`SELECT code, balance_cents AS balance FROM vouchers WHERE order_id IN (SELECT value FROM json_each(?)) AND status = 'active'`)
    .all(JSON.stringify(orderIds)) as { code: string; balance: number }[];
  world.open.push(...rows);
}

/** Grows the dataset until `target` redemptions are written (settled up to the clock). */
export async function growTo(world: ScaleWorld, target: number, log: (l: string) => void): Promise<void> {
  const span = world.end - world.start;
  while (world.redeemed < target) {
    // Time only moves forward (a settlement or the till calls may have moved it past the plan).
    const at = world.start + (span * world.redeemed) / world.maxRedemptions;
    if (at > world.clock.now().getTime()) world.clock.set(new Date(at));
    if (world.open.length < IN_FLIGHT * 2) await issueRound(world);
    const batch = Math.min(IN_FLIGHT, target - world.redeemed);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < batch; i++) {
      const n = world.redeemed + i;
      const pick = Math.floor(mix(n) * world.open.length);
      const v = world.open[pick]!;
      // 1–20 € (about 5 uses of a 100 € voucher), never more than is left.
      const amount = Math.min(v.balance, 100 + Math.floor(mix(n * 31 + 7) * 1_900));
      v.balance -= amount;
      if (v.balance === 0) world.open.splice(pick, 1);
      const merchantId = world.shops[Math.floor(mix(n * 17 + 3) * world.shops.length)]!;
      calls.push(
        redeem(world.redemptions, { merchantId, actor: 'bench-till', code: v.code, amountCents: amount, idempotencyKey: `scale-${n}` }).then((res) => {
          // One in 250 is voided by its shop at once (a mistake at the till): the balance comes back.
          if (n % 250 === 0) {
            voidRedemption(world.redemptions, { merchantId, actor: 'bench-till', redemptionId: res.redemption.id });
            world.voided++;
            if (v.balance === 0) world.open.push(v);
            v.balance += amount;
          }
        }),
      );
    }
    await Promise.all(calls);
    world.redeemed += batch;
    if (world.redeemed % 50_000 < batch) log(`scale: ${world.redeemed} / ${target} redemptions, ${world.orderCount} orders`);
  }
  // Past every void window, then the weekly settlement pays what the shops took.
  world.clock.set(new Date(world.clock.now().getTime() + DAY));
  await runSettlement({ database: world.database, clock: world.clock, voidWindowMinutes: world.redemptions.voidWindowMinutes, operator: world.orders.operator, dataDir: world.dataDir, transfers: null }, { until: parisDate(world.clock.now()), actor: 'bench' });
}

/**
 * The fast fill, for a machine too busy to run a million redeem() calls in the time at
 * hand: vouchers still issued by the order service (bulk bank-transfer orders of 5 000),
 * then ten redemptions per new voucher written with set-based SQL exactly as the till writes
 * them (bench/settlement-data.ts: redemption, movement, balanced journal, balance, campaign
 * cache) over the last 7 days, and settled by runSettlement. check-ledger holds as for the
 * services' path; the shape is coarser (no card orders, no voids, a week of history).
 */
export async function fillTo(world: ScaleWorld, target: number, log: (l: string) => void): Promise<void> {
  if (world.end > world.clock.now().getTime()) world.clock.set(new Date(world.end));
  await issueVouchers(world.orders, Math.ceil((target - world.redeemed) / PER_VOUCHER), log);
  world.redeemed += addRedemptions(world.database, world.clock.now(), { untouchedOnly: true });
  world.clock.set(new Date(world.clock.now().getTime() + DAY));
  await runSettlement({ database: world.database, clock: world.clock, voidWindowMinutes: world.redemptions.voidWindowMinutes, operator: world.orders.operator, dataDir: world.dataDir, transfers: null }, { until: parisDate(world.clock.now()), actor: 'bench' });
  world.open = world.database.sqlite.prepare(`SELECT code, balance_cents AS balance FROM vouchers WHERE status = 'active' AND balance_cents >= 100 ORDER BY rowid DESC LIMIT 5000`).all() as { code: string; balance: number }[];
}
