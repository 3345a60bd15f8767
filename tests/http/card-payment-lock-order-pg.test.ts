/**
 * Issue 14, the card payment's lock order on PostgreSQL: card payments of a bonus campaign
 * racing the campaign's tills. Every unit of both paths writes the shared rows — report
 * aggregates, the campaign row (bonus caches, sold / redeemed), a journal counter — in its
 * last message only, in one order (docs/architecture.md, « The card payment on PostgreSQL »),
 * so they queue on those rows and never deadlock.
 *
 * Two webhook servers (the production handler, postgresWebhookBackend, one pool each) get
 * every order's signed checkout.session.completed at once, while two tills (postgresTill,
 * one pool each) spend vouchers of the same campaign. Then: each order issued once (one
 * `issued`, one `duplicate`), every redemption done, the campaign's caches moved by exactly
 * what was paid and spent, check-ledger clean on PostgreSQL, and no unit ran again for a
 * deadlock (the pools' rerun counters, db/postgres-pool.ts).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresPool, type PgDatabase } from '../../db/postgres-pool';
import { ISSUE_SLICE } from '../../server/domain/orders/order-issuance';
import { postgresTill } from '../../server/domain/redemptions/till-postgres';
import { fixedClock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { StripeProvider } from '../../server/payments/stripe-provider';
import { errorHandler } from '../../server/web/middleware/errors';
import { postgresWebhookBackend, STRIPE_WEBHOOK_PATH, stripeWebhookHandler } from '../../server/web/webhooks/routes';
import { cardOrderFixture, type CardOrderFixture } from '../support/card-payment-backends';
import { postWebhook, startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';

const SECRET_KEY = 'sk_test_lock_order_51HxYz';
const WEBHOOK_SECRET = 'whsec_lock_order_signing_secret';
/** Card orders of the bonus campaign: 20 × 15 € each, so each also gets the buyer's whole bonus cap (30 €). */
const CARD_ORDERS = 12;
/** Vouchers the tills spend meanwhile, and how many 1 € redemptions each. */
const SPENT = 40;
const PER_VOUCHER = 3;
/** An order of more than one slice (ISSUE_SLICE): its issue_journal_id is written after its journal, then read by the next slices. */
const BIG = 230;
/** Reruns a unit may need at most (a RunAgain, say); a deadlock is never one of them. */
const MAX_ATTEMPTS = 2;

const silent = createLogger('silent');

interface WebhookServer {
  url: string;
  pool: PgDatabase;
  close(): Promise<void>;
}

/** The production webhook handler on PostgreSQL, in this process, on a pool of its own. */
async function webhookServer(pgUrl: string): Promise<WebhookServer> {
  const pool = openPostgresPool(pgUrl, { max: 8 });
  const payments = new StripeProvider({ secretKey: 'sk_test_webhook_only', webhookSecret: WEBHOOK_SECRET });
  const webhooks = Router();
  webhooks.post(STRIPE_WEBHOOK_PATH, ...stripeWebhookHandler({ payments, backend: postgresWebhookBackend(pool, { clock: fixedClock(new Date()), logger: silent }), kickOutbox: () => {} }));
  const app = express();
  app.use('/webhooks', webhooks);
  app.use(errorHandler(silent));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pool,
    close: async () => {
      await new Promise((r) => server.close(r));
      await pool.close();
    },
  };
}

// Skips only where PostgreSQL is not installed, with a printed notice; REQUIRE_POSTGRES=1
// (set by .ci/run) makes postgresAvailable() throw instead, so in CI this runs or fails.
describe.skipIf(!postgresAvailable())('card payments of a bonus campaign racing its tills on PostgreSQL', () => {
  let stripe: FakeStripe;
  let cluster: PgCluster;
  let f: CardOrderFixture;
  let servers: WebhookServer[] = [];
  let tillPools: PgDatabase[] = [];

  beforeAll(async () => {
    stripe = await startFakeStripe({ secretKey: SECRET_KEY });
    cluster = await startPostgres();
    f = await cardOrderFixture('postgres', {
      clock: fixedClock(new Date()),
      stripe: { secretKey: SECRET_KEY, apiBase: stripe.url },
      prepare: (database) => database.sqlite.prepare(`UPDATE campaigns SET max_vouchers_per_order = ?, max_order_cents_individual = ? WHERE slug = 'seine-estuaire'`).run(BIG, BIG * 10_00),
      orders: [
        ...Array.from({ length: CARD_ORDERS }, (_, i) => ({ campaign: 'noel-fecamp', amountCents: 15_00, quantity: 20, email: `racer.${i}@example.org` })),
        { campaign: 'seine-estuaire', amountCents: 10_00, quantity: BIG, email: 'big.order@example.org' },
      ],
      paid: { campaign: 'noel-fecamp', amountCents: 30_00, quantity: SPENT },
      cluster,
    });
    servers = await Promise.all([webhookServer(f.location), webhookServer(f.location)]);
    tillPools = [openPostgresPool(f.location, { max: 8 }), openPostgresPool(f.location, { max: 8 })];
  }, 240_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(tillPools.map((p) => p.close()));
    await f?.close();
    cluster?.stop();
    await stripe?.close();
  });

  const n = async (sql: string, ...params: unknown[]) => Number(await f.scalar(sql, params));

  it('every order issued once, every redemption done, caches exact, books clean, no deadlock', async () => {
    const campaignId = f.paid[0]!.campaignId;
    const racing = f.orders.slice(0, CARD_ORDERS);
    expect(f.shops.length).toBeGreaterThan(1);
    // The orders are of the bonus campaign, each with its sponsor's bonus line.
    const bonuses: number[] = [];
    const face: number[] = [];
    for (const o of racing) {
      bonuses.push(await n(`SELECT bonus_cents FROM orders WHERE id = ?`, o.id));
      face.push(await n(`SELECT total_cents - fee_cents - fee_vat_cents FROM orders WHERE id = ?`, o.id));
    }
    expect(bonuses.every((b) => b === 30_00)).toBe(true);
    const before = {
      reserved: await n(`SELECT bonus_reserved_cents FROM campaigns WHERE id = ?`, campaignId),
      used: await n(`SELECT bonus_used_cents FROM campaigns WHERE id = ?`, campaignId),
      sold: await n(`SELECT sold_cents FROM campaigns WHERE id = ?`, campaignId),
      redeemed: await n(`SELECT redeemed_cents FROM campaigns WHERE id = ?`, campaignId),
    };

    const deliveries = racing.map(async (o) => {
      const { payload, header } = stripe.signedDelivery(stripe.event('checkout.session.completed', stripe.completeSession(o.sessionId)), WEBHOOK_SECRET);
      return Promise.all(servers.map((s) => postWebhook(s.url, payload, header)));
    });
    const tills = tillPools.map((pool) => postgresTill(pool, { clock: fixedClock(new Date()), voidWindowMinutes: 30 }));
    const redemptions = f.paid.flatMap((v, i) =>
      Array.from({ length: PER_VOUCHER }, (_, k) =>
        tills[(i + k) % 2]!.redeem({ merchantId: f.shops[(i + k) % f.shops.length]!, actor: 'race', code: v.code, amountCents: 1_00, idempotencyKey: `race-${i}-${k}` })),
    );
    const started = Date.now();
    const [answers, spent] = await Promise.all([Promise.all(deliveries), Promise.allSettled(redemptions)]);
    const reruns = [...servers.map((s) => s.pool.reruns), ...tillPools.map((p) => p.reruns)];
    // The figures (webhook pools, then till pools), for the record.
    console.info(`race: ${Date.now() - started} ms, reruns ${JSON.stringify(reruns)}`);

    for (const pair of answers) {
      expect(pair.map((a) => a.status)).toEqual([200, 200]);
      expect(pair.map((a) => a.body?.outcome).sort()).toEqual(['duplicate', 'issued']);
    }
    expect(spent.filter((r) => r.status === 'rejected')).toEqual([]);
    for (const v of f.paid) expect(await n(`SELECT balance_cents FROM vouchers WHERE id = ?`, v.id)).toBe(v.amountCents - PER_VOUCHER * 1_00);

    for (const [i, o] of racing.entries()) {
      expect(await f.scalar(`SELECT status FROM orders WHERE id = ?`, [o.id])).toBe('paid');
      // Issued in one slice: the issuing state is cleared, the journal it pointed to exists.
      expect(await f.scalar(`SELECT issue_journal_id FROM orders WHERE id = ?`, [o.id])).toBeNull();
      expect(await n(`SELECT COUNT(*) FROM vouchers WHERE order_id = ?`, o.id)).toBe(o.vouchers);
      expect(await n(`SELECT COUNT(DISTINCT code) FROM vouchers WHERE order_id = ?`, o.id)).toBe(o.vouchers);
      expect(await n(`SELECT SUM(amount_cents) FROM vouchers WHERE order_id = ?`, o.id)).toBe(face[i]! + bonuses[i]!);
      expect(await n(`SELECT COUNT(*) FROM movements WHERE order_id = ? AND kind = 'issue'`, o.id)).toBe(o.vouchers);
      expect(await n(`SELECT COUNT(*) FROM payments WHERE order_id = ?`, o.id)).toBe(1);
      expect(await n(`SELECT COUNT(*) FROM journals WHERE order_id = ? AND kind = 'voucher_sale'`, o.id)).toBe(1);
      expect(await n(`SELECT COUNT(*) FROM movements m JOIN journals j ON j.id = m.journal_id WHERE m.order_id = ? AND j.kind = 'voucher_sale'`, o.id)).toBe(o.vouchers);
      expect(await n(`SELECT COUNT(*) FROM outbox_messages WHERE kind = 'order_vouchers' AND payload = ?`, JSON.stringify({ orderId: o.id }))).toBe(1);
      expect(await n(`SELECT COUNT(*) FROM audit_log WHERE action = 'order_payment_confirmed' AND entity_id = ?`, o.id)).toBe(1);
    }

    // The campaign row: every bonus reservation became used, every sale and spend counted once.
    const bonus = bonuses.reduce((a, b) => a + b, 0);
    expect(await n(`SELECT bonus_reserved_cents FROM campaigns WHERE id = ?`, campaignId)).toBe(before.reserved - bonus);
    expect(await n(`SELECT bonus_used_cents FROM campaigns WHERE id = ?`, campaignId)).toBe(before.used + bonus);
    expect(await n(`SELECT sold_cents FROM campaigns WHERE id = ?`, campaignId)).toBe(before.sold + face.reduce((a, b) => a + b, 0) + bonus);
    expect(await n(`SELECT redeemed_cents FROM campaigns WHERE id = ?`, campaignId)).toBe(before.redeemed + SPENT * PER_VOUCHER * 1_00);
    expect(await f.books()).toEqual([]);

    expect(reruns.map((r) => r.deadlocks)).toEqual([0, 0, 0, 0]);
    expect(reruns.map((r) => r.exhausted)).toEqual([0, 0, 0, 0]);
    expect(Math.max(...reruns.map((r) => r.mostAttempts))).toBeLessThanOrEqual(MAX_ATTEMPTS);
  }, 180_000);

  it(`an order of ${BIG} vouchers delivered to both servers: its first slice points to the sale journal posted last, the next slices finish it once`, async () => {
    expect(BIG).toBeGreaterThan(2 * ISSUE_SLICE);
    const o = f.orders[CARD_ORDERS]!;
    expect(o.vouchers).toBe(BIG);
    const { payload, header } = stripe.signedDelivery(stripe.event('checkout.session.completed', stripe.completeSession(o.sessionId)), WEBHOOK_SECRET);
    const pair = await Promise.all(servers.map((s) => postWebhook(s.url, payload, header)));
    expect(pair.map((a) => a.status)).toEqual([200, 200]);
    expect(pair.map((a) => a.body?.outcome).sort()).toEqual(['duplicate', 'issued']);
    expect(await f.scalar(`SELECT status FROM orders WHERE id = ?`, [o.id])).toBe('paid');
    expect(await f.scalar(`SELECT issue_journal_id FROM orders WHERE id = ?`, [o.id])).toBeNull();
    expect(await n(`SELECT issue_remaining_cents FROM orders WHERE id = ?`, o.id)).toBe(0);
    expect(await n(`SELECT COUNT(DISTINCT code) FROM vouchers WHERE order_id = ?`, o.id)).toBe(BIG);
    // Every slice's issue movements belong to the one sale journal.
    expect(await n(`SELECT COUNT(*) FROM movements m JOIN journals j ON j.id = m.journal_id WHERE m.order_id = ? AND m.kind = 'issue' AND j.kind = 'voucher_sale'`, o.id)).toBe(BIG);
    expect(await n(`SELECT COUNT(*) FROM journals WHERE order_id = ? AND kind = 'voucher_sale'`, o.id)).toBe(1);
    expect(await n(`SELECT COUNT(*) FROM outbox_messages WHERE kind = 'order_vouchers' AND payload = ?`, JSON.stringify({ orderId: o.id }))).toBe(1);
    expect(await f.books()).toEqual([]);
  }, 120_000);
});
