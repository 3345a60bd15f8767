/**
 * The maintenance sweep's abandoned orders on PostgreSQL (the SQLite twin is in
 * tests/unit/ledger.test.ts): orders without a checkout are cancelled after an hour, demo
 * checkouts after a day, nothing else; the books stay clean.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOperator } from '../../server/operator';
import { createLogger } from '../../server/lib/logger';
import { DemoProvider } from '../../server/payments/demo-provider';
import { createOrder } from '../../server/domain/orders/orders-service';
import { cancelAbandonedOrdersOnPostgres } from '../../server/domain/orders/abandoned-orders';
import { ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL as FULL_LEDGER } from '../../server/domain/ledger/ledger-scope';
import { readOn } from '../../server/web/backend-units';
import { rowOf } from '../support/backend-query';
import { postgresAvailable } from '../support/postgres';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

const clock = fixedClock('2026-11-23T10:00:00Z');
let app: TestApp;
const ids = { demo: '', noCheckout: '' };
const status = async (id: string) => (await rowOf<{ status: string }>(app, `SELECT status FROM orders WHERE id = @id`, { id }))!.status;

// Skips only where PostgreSQL is not installed, with a notice; REQUIRE_POSTGRES=1 makes that a failure.
describe.skipIf(!postgresAvailable())('abandoned orders on PostgreSQL', () => {
  beforeAll(async () => {
    app = await startTestApp({
      backend: 'postgres',
      clock,
      prepare: async (database) => {
        const deps = { database, clock, payments: new DemoProvider('http://x'), baseUrl: 'http://x', logger: createLogger('silent'), operator: loadOperator({}, false) };
        const input = { campaignSlug: 'seine-estuaire', buyer: { type: 'individual' as const, name: 'A', email: 'a@example.org' }, items: [{ amountCents: 1000, quantity: 1 }], paymentMethod: 'card' as const, locale: 'fr' };
        ids.demo = (await createOrder(deps, input)).order.id;
        ids.noCheckout = (await createOrder(deps, input)).order.id;
        database.sqlite.prepare('UPDATE orders SET checkout_ref = NULL WHERE id = ?').run(ids.noCheckout);
      },
    });
  });
  afterAll(() => app?.close());

  it('cancels orders without a checkout after an hour and demo checkouts after a day, nothing else', async () => {
    const pg = app.pg!;
    expect(await cancelAbandonedOrdersOnPostgres(pg, new Date('2026-11-23T10:59:00Z'))).toBe(0);
    expect(await cancelAbandonedOrdersOnPostgres(pg, new Date('2026-11-23T11:01:00Z'))).toBe(1);
    expect(await status(ids.noCheckout)).toBe('cancelled');
    expect(await status(ids.demo)).toBe('pending_payment');
    expect(await cancelAbandonedOrdersOnPostgres(pg, new Date('2026-11-24T10:01:00Z'))).toBe(1);
    expect(await status(ids.demo)).toBe('cancelled');
    expect(await cancelAbandonedOrdersOnPostgres(pg, new Date('2026-11-25T10:01:00Z'))).toBe(0);
    expect(await readOn(app, (dialect) => ledgerChecks(FULL_LEDGER, dialect))).toEqual([]);
  });
});
