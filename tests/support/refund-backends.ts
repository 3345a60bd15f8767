/**
 * Paid card orders (and refunds Stripe answered `pending`) on either backend, made through the
 * project's own code paths: a SQLite file seeded with the demo; card orders created by
 * `createOrder` against the Stripe stand-in and paid by its signed `checkout.session.completed`
 * through the production webhook handler; some refunds begun with the stand-in answering
 * `pending` — then, for PostgreSQL, all of it copied into a fresh database by copy-database.
 * Each backend then serves TWO webhook servers (the production handler in this process: two
 * SQLite connections on one file, or two PostgreSQL pools on one database), a till and the
 * refund and support services (`on`: `{ database }` or `{ pg }`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import type pg from 'pg';
import { migrateDatabase, openDatabase, type Database_ } from '../../db/client';
import { openPostgresPool, type PgDatabase } from '../../db/postgres-pool';
import { readSnapshotPostgres } from '../../db/read-program';
import { seedDemo } from '../../db/seed/demo';
import { checkLedger, ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import { createOrder } from '../../server/domain/orders/orders-service';
import { refundUnusedVouchers } from '../../server/domain/orders/refunds-service';
import { sqliteTill, type Till } from '../../server/domain/redemptions/redemptions-service';
import { postgresTill } from '../../server/domain/redemptions/till-postgres';
import { systemClock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { StripeProvider } from '../../server/payments/stripe-provider';
import { errorHandler } from '../../server/web/middleware/errors';
import { postgresWebhookBackend, sqliteWebhookBackend, STRIPE_WEBHOOK_PATH, stripeWebhookHandler, type WebhookBackend } from '../../server/web/webhooks/routes';
import type { FakeStripe } from './fake-stripe';
import { copiedToNewDatabase, type PgCluster } from './postgres';

export type Backend = 'sqlite' | 'postgres';

export interface PaidOrder {
  id: string;
  campaignId: string;
  totalCents: number;
}

export interface RefundFixture {
  backend: Backend;
  /** Paid card orders nobody refunded. */
  paid: PaidOrder[];
  /** Orders whose refund Stripe answered `pending`: our refund id and Stripe's. */
  pending: { orderId: string; refundId: string; ref: string; amountCents: number }[];
  /** Two webhook servers on the backend (their base URLs). */
  servers: [string, string];
  /** Where the services run (refunds-service `refundUnits`, support-service `supportUnits`). */
  on: { database: Database_ } | { pg: PgDatabase };
  payments: StripeProvider;
  till: Till;
  /** A shop that accepts the orders' campaign. */
  shop: string;
  /** Every row of a query (SQLite placeholders `?`). */
  rows<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Breached invariants by check-ledger (empty: the books are clean). */
  books(): Promise<unknown[]>;
  close(): Promise<void>;
}

export interface RefundFixtureOptions {
  stripe: FakeStripe;
  secretKey: string;
  webhookSecret: string;
  /** How many paid orders to leave unrefunded, and how many with a pending refund (each 2 × 30 € in noel-fecamp, whose town adds a bonus voucher). */
  paid: number;
  pending: number;
  cluster?: PgCluster;
}

const silent = createLogger('silent');
const clock = systemClock;
const dollars = (sql: string) => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};

/** The production webhook handler on `backend`, served in this process. */
export function listen(backend: WebhookBackend, payments: StripeProvider): Promise<{ url: string; server: Server }> {
  const app = express();
  app.post(`/webhooks${STRIPE_WEBHOOK_PATH}`, ...stripeWebhookHandler({ payments, backend, kickOutbox: () => {} }));
  app.use(errorHandler(silent));
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server }));
  });
}

const ordersDeps = (database: Database_, payments: StripeProvider) => ({ database, clock, payments, baseUrl: 'http://127.0.0.1', logger: silent, operator: loadOperator({}, false) });

async function build(database: Database_, o: RefundFixtureOptions, payments: StripeProvider) {
  await seedDemo(database, clock.now());
  const { url, server } = await listen(sqliteWebhookBackend(ordersDeps(database, payments)), payments);
  const orders: PaidOrder[] = [];
  try {
    for (let i = 0; i < o.paid + o.pending; i++) {
      const created = await createOrder(ordersDeps(database, payments), {
        campaignSlug: 'noel-fecamp',
        buyer: { type: 'individual', name: 'Refund Buyer', email: `refund.${i}.${Date.now()}@example.org` },
        items: [{ amountCents: 30_00, quantity: 2 }],
        paymentMethod: 'card',
        locale: 'fr',
      });
      const d = await o.stripe.deliver(url, o.stripe.event('checkout.session.completed', o.stripe.completeSession(created.order.checkoutRef!)), o.webhookSecret);
      if (d.body?.outcome !== 'issued') throw new Error(`order not paid: ${JSON.stringify(d.body)}`);
      orders.push({ id: created.order.id, campaignId: created.order.campaignId, totalCents: created.order.totalCents });
    }
  } finally {
    server.close();
  }
  const pending: RefundFixture['pending'] = [];
  o.stripe.setRefundMode('pending');
  try {
    for (const order of orders.slice(o.paid)) {
      const r = await refundUnusedVouchers({ database, clock, payments, logger: silent }, { orderId: order.id, actor: 'operator:test', reason: 'client parti' });
      if (r.status !== 'pending') throw new Error(`refund not pending: ${r.status}`);
      pending.push({ orderId: order.id, refundId: r.id, ref: r.providerRef, amountCents: r.amountCents });
    }
  } finally {
    o.stripe.setRefundMode('succeeded');
  }
  const shop = database.sqlite
    .prepare(`SELECT cm.merchant_id FROM campaign_merchants cm JOIN merchants m ON m.id = cm.merchant_id WHERE cm.campaign_id = ? AND m.status = 'approved' ORDER BY m.slug LIMIT 1`)
    .pluck().get(orders[0]!.campaignId) as string;
  return { paid: orders.slice(0, o.paid), pending, shop };
}

export async function refundFixture(backend: Backend, o: RefundFixtureOptions): Promise<RefundFixture> {
  const payments = new StripeProvider({ secretKey: o.secretKey, webhookSecret: o.webhookSecret, apiBase: o.stripe.url });
  const dir = mkdtempSync(join(tmpdir(), `refund-${backend}-`));
  const file = join(dir, 'app.db');
  const database = openDatabase(`file:${file}`, { backgroundCheckpoints: false });
  migrateDatabase(database);
  const built = await build(database, o, payments);
  const servers: Server[] = [];
  const up = async (b: WebhookBackend) => {
    const s = await listen(b, payments);
    servers.push(s.server);
    return s.url;
  };
  const stop = () => Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  if (backend === 'sqlite') {
    const second = openDatabase(`file:${file}`, { backgroundCheckpoints: false });
    const urls: [string, string] = [await up(sqliteWebhookBackend(ordersDeps(database, payments))), await up(sqliteWebhookBackend(ordersDeps(second, payments)))];
    return {
      backend, ...built, servers: urls, on: { database }, payments,
      till: sqliteTill({ database: second, clock, voidWindowMinutes: 30 }),
      rows: async (sql, params = []) => database.sqlite.prepare(sql).all(...params) as never[],
      books: async () => checkLedger(database),
      close: async () => {
        await stop();
        await second.close();
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { url, client } = await copiedToNewDatabase(o.cluster!, database.sqlite, `refund_${Date.now()}_${Math.floor(Math.random() * 1e6)}`);
  await database.close();
  rmSync(dir, { recursive: true, force: true });
  const pools = [openPostgresPool(url), openPostgresPool(url)];
  const urls: [string, string] = [await up(postgresWebhookBackend(pools[0]!, { clock, logger: silent })), await up(postgresWebhookBackend(pools[1]!, { clock, logger: silent }))];
  return {
    backend, ...built, servers: urls, on: { pg: pools[0]! }, payments,
    till: postgresTill(pools[1]!, { clock, voidWindowMinutes: 30 }),
    rows: async (sql, params = []) => (await client.query({ text: dollars(sql), values: params })).rows,
    books: () => readSnapshotPostgres(client, ledgerChecks(FULL, 'postgres')),
    close: async () => {
      await stop();
      await Promise.all(pools.map((p) => p.close()));
      await client.end();
    },
  };
}
