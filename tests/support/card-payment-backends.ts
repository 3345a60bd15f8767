/**
 * Pending card orders on either backend, made through the project's own code paths: a SQLite
 * file seeded with the demo, orders created by `createOrder` against the Stripe stand-in (so
 * each has its Checkout Session there), then — for PostgreSQL — copied into a fresh database
 * by copy-database. Tests then pay them by delivering signed events to the production webhook
 * handler (the app on SQLite, tests/support/pg-webhook-server.ts on PostgreSQL) and read the
 * outcome back with `scalar` and `books` (check-ledger, the same read programs on both).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { migrateDatabase, openDatabase, type Database_ } from '../../db/client';
import { openPostgresPool, type PgDatabase } from '../../db/postgres-pool';
import { readSnapshotPostgres } from '../../db/read-program';
import { seedDemo } from '../../db/seed/demo';
import { checkLedger, ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import { createOrder } from '../../server/domain/orders/orders-service';
import { applyProviderEventPostgres } from '../../server/domain/orders/payment-events-postgres';
import { applyProviderEvent, type EventOutcome } from '../../server/domain/orders/payment-events-service';
import type { ProviderEvent } from '../../server/payments/payment-provider';
import type { Clock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { StripeProvider } from '../../server/payments/stripe-provider';
import { buyVouchers, type BuiltVoucher } from './builders';
import { copiedToNewDatabase, type PgCluster } from './postgres';

export type Backend = 'sqlite' | 'postgres';

export interface PendingCardOrder {
  id: string;
  /** The Stripe stand-in's Checkout Session of the order. */
  sessionId: string;
  totalCents: number;
  /** Vouchers it will issue: every line's quantity, the sponsor's bonus line included. */
  vouchers: number;
}

export interface CardOrderFixture {
  backend: Backend;
  orders: PendingCardOrder[];
  /** Vouchers already paid (CardOrderOptions.paid), for tills to spend meanwhile. */
  paid: BuiltVoucher[];
  /** The approved shops of the paid vouchers' campaign, by slug (empty without paid vouchers). */
  shops: string[];
  /** SQLite: the database file (for app processes); PostgreSQL: the database URL. */
  location: string;
  /** One value from the backend's database (SQLite placeholders `?`). */
  scalar(sql: string, params?: unknown[]): Promise<unknown>;
  /** Breached invariants by check-ledger (empty: the books are clean). */
  books(): Promise<unknown[]>;
  /**
   * Applies a provider event in this process, through the backend's runner (SQLite:
   * applyProviderEvent on a connection of its own; PostgreSQL: applyProviderEventPostgres on a pool).
   */
  apply(event: ProviderEvent): Promise<EventOutcome>;
  close(): Promise<void>;
}

export interface CardOrderOptions {
  clock: Clock;
  stripe: { secretKey: string; apiBase: string };
  /** The orders to create: campaign slug and vouchers (one line each). */
  orders: { campaign: string; amountCents: number; quantity: number; email: string }[];
  /** Run on the seeded demo before the orders are created (a campaign's limits, say). */
  prepare?: (database: Database_) => void;
  /** Vouchers to buy and pay at once (demo provider), before the copy. */
  paid?: { campaign: string; amountCents: number; quantity: number };
  cluster?: PgCluster;
}

const silent = createLogger('silent');

const dollars = (sql: string) => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};

async function seedOrders(database: Database_, o: CardOrderOptions): Promise<PendingCardOrder[]> {
  await seedDemo(database, o.clock.now());
  o.prepare?.(database);
  const payments = new StripeProvider({ secretKey: o.stripe.secretKey, apiBase: o.stripe.apiBase });
  const deps = { database, clock: o.clock, payments, baseUrl: 'http://127.0.0.1', logger: silent, operator: loadOperator({}, false) };
  const out: PendingCardOrder[] = [];
  for (const spec of o.orders) {
    const created = await createOrder(deps, {
      campaignSlug: spec.campaign,
      buyer: { type: 'individual', name: 'Card Buyer', email: spec.email },
      items: [{ amountCents: spec.amountCents, quantity: spec.quantity }],
      paymentMethod: 'card',
      locale: 'fr',
    });
    const vouchers = database.sqlite.prepare(`SELECT SUM(quantity) FROM order_items WHERE order_id = ?`).pluck().get(created.order.id) as number;
    out.push({ id: created.order.id, sessionId: created.order.checkoutRef!, totalCents: created.order.totalCents, vouchers });
  }
  return out;
}

export async function cardOrderFixture(backend: Backend, o: CardOrderOptions): Promise<CardOrderFixture> {
  const dir = mkdtempSync(join(tmpdir(), `card-${backend}-`));
  const file = join(dir, 'app.db');
  const database = openDatabase(`file:${file}`, { backgroundCheckpoints: false });
  migrateDatabase(database);
  const orders = await seedOrders(database, o);
  const paid = o.paid ? await buyVouchers({ database, clock: o.clock }, o.paid) : [];
  const shops = paid.length === 0 ? [] : database.sqlite
    .prepare(`SELECT cm.merchant_id FROM campaign_merchants cm JOIN merchants m ON m.id = cm.merchant_id WHERE cm.campaign_id = ? AND m.status = 'approved' ORDER BY m.slug`)
    .pluck().all(paid[0]!.campaignId) as string[];
  if (backend === 'sqlite') {
    await database.close();
    let own: Database_ | undefined;
    // Each read opens the file afresh: the app processes write it meanwhile.
    const read = <T,>(fn: (db: Database_) => T): T => {
      const db = openDatabase(`file:${file}`, { backgroundCheckpoints: false });
      try {
        return fn(db);
      } finally {
        void db.close();
      }
    };
    return {
      backend, orders, paid, shops, location: file,
      scalar: async (sql, params = []) => read((db) => db.sqlite.prepare(sql).pluck().get(...params)),
      books: async () => read((db) => checkLedger(db)),
      apply: (event) => {
        own ??= openDatabase(`file:${file}`, { backgroundCheckpoints: false });
        return applyProviderEvent({ database: own, clock: o.clock, logger: silent, operator: loadOperator({}, false) }, event);
      },
      close: async () => {
        await own?.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { url, client } = await copiedToNewDatabase(o.cluster!, database.sqlite, `card_${Date.now()}_${Math.floor(Math.random() * 1e6)}`);
  await database.close();
  rmSync(dir, { recursive: true, force: true });
  let pool: PgDatabase | undefined;
  return {
    backend, orders, paid, shops, location: url,
    scalar: async (sql, params = []) => {
      const { rows } = await client.query({ text: dollars(sql), values: params, rowMode: 'array' });
      return rows[0]?.[0];
    },
    books: () => readSnapshotPostgres(client, ledgerChecks(FULL, 'postgres')),
    apply: (event) => {
      pool ??= openPostgresPool(url);
      return applyProviderEventPostgres(pool, { clock: o.clock, logger: silent }, event);
    },
    close: async () => {
      await pool?.close();
      await client.end();
    },
  };
}
