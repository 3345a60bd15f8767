/**
 * The whole app on PostgreSQL (DATABASE_URL=postgres://…, tests/support/test-app.ts
 * `backend: 'postgres'`) settles refunds by Stripe's webhook: a paid card order whose refund
 * Stripe answered `pending` (made on the SQLite file the app's data is copied from) is booked
 * once when `refund.updated` arrives, however often; a payout event for a transfer the books
 * do not know is acknowledged and ignored — neither answers 500 any more.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readSnapshotPostgres } from '../../db/read-program';
import { ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import { createOrder } from '../../server/domain/orders/orders-service';
import { applyProviderEvent } from '../../server/domain/orders/payment-events-service';
import { refundUnusedVouchers } from '../../server/domain/orders/refunds-service';
import { systemClock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { StripeProvider } from '../../server/payments/stripe-provider';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { startTestApp, type TestApp } from '../support/test-app';

const SECRET_KEY = 'sk_test_bons_locaux_refund_app_pg';
const WEBHOOK_SECRET = 'whsec_test_bons_locaux_refund_app_pg';
const silent = createLogger('silent');
let cluster: PgCluster;
let stripe: FakeStripe;
let app: TestApp;
let pending: { orderId: string; refundId: string; ref: string };

beforeAll(async () => {
  if (!postgresAvailable() && process.env.REQUIRE_POSTGRES !== '1') return;
  cluster = await startPostgres();
  stripe = await startFakeStripe({ secretKey: SECRET_KEY });
  const payments = new StripeProvider({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, apiBase: stripe.url });
  app = await startTestApp({
    backend: 'postgres',
    postgres: cluster,
    stripe: { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, apiBase: stripe.url },
    // On the SQLite file before the copy: a card order paid, then its refund answered `pending`.
    prepare: async (database) => {
      const deps = { database, clock: systemClock, payments, baseUrl: 'http://127.0.0.1', logger: silent, operator: loadOperator({}, false) };
      const { order } = await createOrder(deps, {
        campaignSlug: 'noel-fecamp', buyer: { type: 'individual', name: 'Léon', email: 'leon.pg@example.org' },
        items: [{ amountCents: 30_00, quantity: 2 }], paymentMethod: 'card', locale: 'fr',
      });
      const signed = stripe.signedDelivery(stripe.event('checkout.session.completed', stripe.completeSession(order.checkoutRef!)), WEBHOOK_SECRET);
      expect(await applyProviderEvent(deps, payments.parseWebhook(Buffer.from(signed.payload), signed.header))).toBe('issued');
      stripe.setRefundMode('pending');
      const refund = await refundUnusedVouchers(deps, { orderId: order.id, actor: 'operator:test', reason: 'client parti' });
      stripe.setRefundMode('succeeded');
      pending = { orderId: order.id, refundId: refund.id, ref: refund.providerRef };
    },
  });
}, 180_000);
afterAll(async () => {
  await app?.close();
  await stripe?.close();
  cluster?.stop();
});

const one = async (sql: string, values: unknown[]) => (await app.pg!.pool.query(sql, values)).rows[0];
const books = async () => {
  const client = await app.pg!.pool.connect();
  try {
    return await readSnapshotPostgres(client, ledgerChecks(FULL, 'postgres'));
  } finally {
    client.release();
  }
};

it.skipIf(!postgresAvailable() && process.env.REQUIRE_POSTGRES !== '1')('books a refund.updated once on the app on PostgreSQL; a transfer event is acknowledged', async () => {
  expect(app.pg).not.toBeNull();
  const [event] = stripe.settleRefund(pending.ref, 'succeeded');
  const outcomes = await Promise.all([1, 2, 3].map(() => stripe.deliver(app.url, event!, WEBHOOK_SECRET)));
  expect(outcomes.map((d) => d.status)).toEqual([200, 200, 200]);
  expect(outcomes.map((d) => d.body.outcome).sort()).toEqual(['applied', 'ignored', 'ignored']);
  expect(await one(`SELECT status FROM refunds WHERE id = $1`, [pending.refundId])).toEqual({ status: 'succeeded' });
  expect(await one(`SELECT status, refunded_cents FROM orders WHERE id = $1`, [pending.orderId])).toEqual({ status: 'refunded', refunded_cents: 60_00 });
  expect(await one(`SELECT COUNT(*)::int AS n FROM journals WHERE order_id = $1 AND kind = 'order_refund'`, [pending.orderId])).toEqual({ n: 1 });
  const transfer = await stripe.deliver(app.url, stripe.event('transfer.created', { id: 'tr_unknown', object: 'transfer', amount: 100, currency: 'eur', destination: 'acct_x', metadata: {} }), WEBHOOK_SECRET);
  expect(transfer.status).toBe(200);
  expect(transfer.body.outcome).toBe('ignored');
  expect(await books()).toEqual([]);
});
