/**
 * The issuing resumer on PostgreSQL (the SQLite twin is in order-issuing-slices.test.ts): an
 * order left half-issued (a process stopped after its first slice, on the SQLite file before
 * the copy) is completed by the job every server runs, each voucher issued once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL as FULL_LEDGER } from '../../server/domain/ledger/ledger-scope';
import { recordTransferIssuingFirstSlice } from '../../server/domain/orders/bank-transfers-service';
import { ISSUE_SLICE } from '../../server/domain/orders/order-issuance';
import { createOrder } from '../../server/domain/orders/orders-service';
import { resumeIssuingPostgres } from '../../server/domain/orders/payment-events-postgres';
import { startIssuingResumer } from '../../server/jobs/resume-issuing';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { DemoProvider } from '../../server/payments/demo-provider';
import { readOn } from '../../server/web/backend-units';
import { rowOf } from '../support/backend-query';
import { TOWN_HALL_BUYER } from '../support/builders';
import { postgresAvailable } from '../support/postgres';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

const clock = fixedClock('2026-11-23T10:00:00Z');
const TOTAL = 2 * ISSUE_SLICE + 17;
let app: TestApp;
let orderId = '';
const n = async (sql: string) => (await rowOf<{ n: number }>(app, sql, { id: orderId }))!.n;

// Skips only where PostgreSQL is not installed, with a notice; REQUIRE_POSTGRES=1 makes that a failure.
describe.skipIf(!postgresAvailable())('the issuing resumer on PostgreSQL', () => {
  beforeAll(async () => {
    app = await startTestApp({
      backend: 'postgres',
      clock,
      prepare: async (database) => {
        const operator = loadOperator({}, false);
        const deps = { database, clock, payments: new DemoProvider('http://x'), baseUrl: 'http://x', logger: createLogger('silent'), operator };
        const { order } = await createOrder(deps, { campaignSlug: 'seine-estuaire', buyer: TOWN_HALL_BUYER as never, items: [{ amountCents: 10_00, quantity: TOTAL }], paymentMethod: 'bank_transfer', locale: 'fr' });
        orderId = order.id;
        recordTransferIssuingFirstSlice({ database, clock, operator }, { orderId, amountCents: order.totalCents, reference: 'VIR-RESUME-PG', actor: 'test' });
      },
    });
  });
  afterAll(() => app?.close());

  it('completes an order left half-issued, once, with several servers resuming at once', async () => {
    expect(await n(`SELECT COUNT(*) AS n FROM vouchers WHERE order_id = @id`)).toBe(ISSUE_SLICE);
    const job = startIssuingResumer({ resume: () => resumeIssuingPostgres(app.pg!, { clock }), logger: createLogger('silent'), kickOutbox: () => {} }, 50);
    try {
      await Promise.all([resumeIssuingPostgres(app.pg!, { clock }), resumeIssuingPostgres(app.pg!, { clock })]);
      await expect.poll(() => n(`SELECT COUNT(*) AS n FROM orders WHERE id = @id AND issue_journal_id IS NOT NULL`), { timeout: 10_000 }).toBe(0);
    } finally {
      job.stop();
    }
    expect(await n(`SELECT COUNT(*) AS n FROM vouchers WHERE order_id = @id`)).toBe(TOTAL);
    expect(await n(`SELECT COUNT(DISTINCT code) AS n FROM vouchers WHERE order_id = @id`)).toBe(TOTAL);
    expect(await readOn(app, (dialect) => ledgerChecks(FULL_LEDGER, dialect))).toEqual([]);
  });
});
