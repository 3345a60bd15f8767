/**
 * Gap-free invoice numbers on PostgreSQL: two pools (two app servers' worth of connections)
 * issue the invoices of the same orders at once, through the one issuing source
 * (invoice-store.ts on invoice-store-pg.ts), while units that took a number roll back
 * between them. Every invoice of the year is numbered FAC-YYYY-000001..N without gap or
 * duplicate, each order is invoiced once, and the counter stands at N.
 * (The SQLite file's version, two server processes: invoice-numbers.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresPool, type PgDatabase } from '../../db/postgres-pool';
import { pgUnits } from '../../db/store-units';
import type { Step } from '../../db/unit-of-work';
import { issueInvoiceSteps, type InvoiceStore } from '../../server/domain/invoices/invoice-store';
import { pgInvoiceStore, pgQuerySteps } from '../../server/domain/invoices/invoice-store-pg';
import { orderBuyer } from '../../server/domain/orders/buyer-snapshot';
import { pgOrderById } from '../../server/domain/orders/order-creation-store-pg';
import type { Order } from '../../server/domain/orders/orders-repository';
import { systemClock } from '../../server/lib/clock';
import { parisDate } from '../../server/lib/paris-time';
import { rowOf, rowsOf } from '../support/backend-query';
import { adminKey, COMPANY_BUYER, postOrder } from '../support/builders';
import { postgresAvailable } from '../support/postgres';
import { startTestApp, type TestApp } from '../support/test-app';

// Skips only where PostgreSQL is not installed; REQUIRE_POSTGRES=1 makes that a failure.
const hasPostgres = postgresAvailable();
const ORDERS = 20;

describe.skipIf(!hasPostgres)('invoice numbers on PostgreSQL, two pools at once', () => {
  let app: TestApp;
  let admin: ReturnType<typeof adminKey>;
  const pools: PgDatabase[] = [];

  beforeAll(async () => {
    app = await startTestApp({ backend: 'postgres', prepare: (database) => void (admin = adminKey({ database, clock: systemClock })) });
    const url = (app.pg!.pool as unknown as { options: { connectionString: string } }).options.connectionString;
    pools.push(openPostgresPool(url, { max: 4 }), openPostgresPool(url, { max: 4 }));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await app?.close();
  });

  it('numbers FAC-YYYY-000001..N without gap or duplicate, one invoice per order, rolled-back numbers given back', async () => {
    const ids: string[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const res = await postOrder(app.url, { buyer: COMPANY_BUYER, items: [{ amountCents: 1000 * (1 + (i % 5)), quantity: 2 }] }, admin.headers);
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(201);
      ids.push(body.order.id);
    }
    const now = new Date();
    const year = Number(parisDate(now).slice(0, 4));
    const orders = await Promise.all(ids.map(async (id) => (await pgOrderById(app.pg!.pool, id))!));
    const units = pools.map((p) => pgUnits(p, (client) => pgInvoiceStore(pgQuerySteps(client))));

    const issue = async (poolIndex: number, order: Order) => {
      const lines = await rowsOf<{ amount: number; quantity: number }>(app, 'SELECT amount_cents AS amount, quantity FROM order_items WHERE order_id = @id', { id: order.id });
      const items = lines.map((l) => ({ amountCents: l.amount, quantity: l.quantity }));
      const source = { order, buyer: orderBuyer(order)!, items, campaignName: 'Seine Estuaire', operator: app.config.operator };
      return units[poolIndex]!((store) => issueInvoiceSteps(store, source, now));
    };
    // A unit that takes a number and fails before its invoice is written.
    function* takesThenFails(store: InvoiceStore): Step<never> {
      yield* store.nextInSequence('invoice', year);
      throw new Error('rolled back on purpose');
    }
    const work = orders.flatMap((o, i) => [
      issue(0, o),
      issue(1, o),
      ...(i % 4 === 0 ? [Promise.resolve(units[i % 2]!(takesThenFails)).then(() => 'committed', (e: Error) => e.message)] : []),
    ]);
    const results = await Promise.all(work);

    // Both pools answer the same invoice for an order; the failing units failed.
    for (let i = 0; i < ORDERS; i++) {
      const mine = results.filter((r) => typeof r === 'object' && r.orderId === orders[i]!.id) as { id: string }[];
      expect(mine).toHaveLength(2);
      expect(mine[0]!.id).toBe(mine[1]!.id);
    }
    expect(results.filter((r) => r === 'rolled back on purpose')).toHaveLength(ORDERS / 4);

    const rows = await rowsOf<{ number: string; seq: number; orderid: string }>(
      app,
      `SELECT number, seq, order_id AS orderid FROM invoices WHERE kind = 'invoice' AND year = @year ORDER BY seq`,
      { year },
    );
    expect(rows.map((r) => r.number)).toEqual(rows.map((_, i) => `FAC-${year}-${String(i + 1).padStart(6, '0')}`));
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    expect(new Set(rows.map((r) => r.orderid)).size).toBe(rows.length);
    for (const id of ids) expect(rows.filter((r) => r.orderid === id)).toHaveLength(1);
    const counter = await rowOf<{ lastseq: number }>(app, `SELECT last_seq AS lastseq FROM invoice_counters WHERE kind = 'invoice' AND year = @year`, { year });
    expect(counter!.lastseq).toBe(rows.length);
  }, 120_000);
});
