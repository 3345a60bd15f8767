import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrder } from '../../server/domain/orders/orders-service';
import { erasePersonalData, erasePersonalDataSteps } from '../../server/domain/privacy/personal-data-service';
import { personalDataUnits } from '../../server/domain/privacy/personal-data-store';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { DemoProvider } from '../../server/payments/demo-provider';
import { rowsOf } from '../support/backend-query';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

/**
 * An erasure is all or nothing, on the app's backend: when its last step fails (here the
 * redaction of the texts, made to throw), the buyer's order, the recipient's line and the
 * audit entry are exactly as before; run again, it goes through.
 */
const NAME = 'Noémie Atomique';
const EMAIL = 'noemie.atomique@example.net';
const clock = fixedClock('2026-03-02T09:00:00Z');
let app: TestApp;
let orderId = '';

beforeAll(async () => {
  app = await startTestApp({
    clock,
    prepare: async (database) => {
      const deps = { database, clock, payments: new DemoProvider('http://localhost:3000'), baseUrl: 'http://localhost:3000', logger: createLogger('silent'), operator: loadOperator({}, false) };
      const created = await createOrder(deps, {
        campaignSlug: 'seine-estuaire', buyer: { type: 'individual', name: NAME, email: EMAIL }, paymentMethod: 'card', locale: 'fr',
        items: [{ amountCents: 20_00, quantity: 1, recipientName: 'Ami Atomique', recipientEmail: 'ami.atomique@example.net', message: `De ${NAME}` }],
      });
      orderId = created.order.id;
    },
  });
}, 60_000);
afterAll(() => app?.close());

const state = async () => ({
  order: await rowsOf(app, `SELECT buyer_name, buyer_email, personal_data_erased_at FROM orders WHERE id = @o`, { o: orderId }),
  lines: await rowsOf(app, `SELECT recipient_name, recipient_email, message FROM order_items WHERE order_id = @o ORDER BY id`, { o: orderId }),
  erasures: await rowsOf(app, `SELECT count(*) AS n FROM audit_log WHERE action = 'personal_data_erase'`),
});

describe('an erasure, one unit of work', () => {
  it('leaves everything as it was when a step fails, and goes through when run again', async () => {
    const before = await state();
    expect(before.order).toEqual([{ buyer_name: NAME, buyer_email: EMAIL, personal_data_erased_at: null }]);
    // Synchronous on SQLite (the throw comes out of the call), a promise on PostgreSQL.
    const failing = () => personalDataUnits(app)((store) =>
      erasePersonalDataSteps({ ...store, redactTexts: () => { throw new Error('redaction failed'); } }, clock, EMAIL, 'operator:test', 'test'),
    );
    await expect(Promise.resolve().then(failing)).rejects.toThrow('redaction failed');
    expect(await state()).toEqual(before);

    const done = await erasePersonalData({ database: app.database, pg: app.pg, clock }, EMAIL, 'operator:test', 'test');
    expect(done.orders).toBe(1);
    const after = await state();
    expect(after.order).toEqual([{ buyer_name: '[effacé]', buyer_email: `erased-${orderId.toLowerCase()}@erased.invalid`, personal_data_erased_at: clock.now().toISOString() }]);
    expect(after.erasures).toEqual([{ n: 1 }]);
  });
});
