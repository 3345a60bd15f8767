import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordTransferIssuingFirstSlice, recordTransferIssuingFirstSlicePostgres } from '../../server/domain/orders/bank-transfers-service';
import { finishIssuing, resumeIssuing } from '../../server/domain/orders/finish-issuing';
import { ISSUE_SLICE } from '../../server/domain/orders/order-issuance';
import { finishIssuingPostgres, resumeIssuingPostgres } from '../../server/domain/orders/payment-events-postgres';
import { startIssuingResumer } from '../../server/jobs/resume-issuing';
import { createLogger } from '../../server/lib/logger';
import { rowOf, rowsOf } from '../support/backend-query';
import { ledgerBreaches as booksOf } from '../support/ledger-check';
import { TOWN_HALL_BUYER, adminKeyOn, postOrder } from '../support/builders';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 13, finding 5: a large organisation order is issued in slices of ISSUE_SLICE
 * vouchers, one short transaction each, instead of one transaction holding the event loop
 * and the write lock for seconds. Here the payment is recorded through the service, which
 * issues the first slice only — exactly what a process that died after the payment leaves.
 */
let app: TestApp;
let admin: string;

beforeAll(async () => {
  app = await startTestApp();
  admin = (await adminKeyOn(app, 'ops')).key;
});
afterAll(() => app.close());

// Slices cut across lines: a line of 150, then 100 lines of one named beneficiary, then one of 167.
const TOTAL = 417;
const items = () => [
  { amountCents: 20_00, quantity: 150 },
  ...Array.from({ length: 100 }, (_, i) => ({ amountCents: 15_00, quantity: 1, recipientName: `Agent ${i + 1}`, recipientEmail: `agent${i + 1}@mairie-exemple.fr` })),
  { amountCents: 10_00, quantity: TOTAL - 250 },
];

async function placeOrder(): Promise<{ id: string; totalCents: number; accessToken: string }> {
  const res = await postOrder(app.url, { buyer: TOWN_HALL_BUYER, items: items() }, { authorization: `Bearer ${admin}` });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(201);
  return { ...body.order, accessToken: body.accessToken };
}

// Rows, and the services below, on the app's backend (SQLite or PostgreSQL).
const q = (sql: string, params: Record<string, string> = {}) => rowsOf<Record<string, number | string>>(app, sql, params);
const orderRow = async (id: string) =>
  (await rowOf<{ status: string; next: number; journal: string | null; remaining: number }>(app, `SELECT status, issue_next AS next, issue_journal_id AS journal, issue_remaining_cents AS remaining FROM orders WHERE id = @id`, { id }))!;
/** The outbox messages of `kind` whose JSON payload has `field` in `values` (JSON functions differ by backend: matched here). */
const outboxFor = async (kind: string, field: string, values: Set<string>) =>
  (await q(`SELECT payload FROM outbox_messages WHERE kind = @kind`, { kind })).filter((r) => values.has((JSON.parse(String(r.payload)) as Record<string, string>)[field]!)).length;
const payFirstSliceOnly = (order: { id: string; totalCents: number }, reference: string) => {
  const input = { orderId: order.id, amountCents: order.totalCents, reference, actor: 'test' };
  const deps = { clock: app.clock, operator: app.config.operator };
  return app.pg ? recordTransferIssuingFirstSlicePostgres(app.pg, deps, input) : recordTransferIssuingFirstSlice({ database: app.database, ...deps }, input);
};
const finish = (orderId: string) => (app.pg ? finishIssuingPostgres(app.pg, app, orderId) : finishIssuing(app, orderId));
const resume = () => (app.pg ? resumeIssuingPostgres(app.pg, app) : resumeIssuing(app));

describe('large orders are issued in slices', () => {
  it('the payment issues one slice; the books stay balanced; documents wait; any process finishes it once', async () => {
    expect(TOTAL).toBeGreaterThan(2 * ISSUE_SLICE);
    const order = await placeOrder();
    const outcome = await payFirstSliceOnly(order, 'VIR-SLICES-1');
    expect(outcome.issued).toBe(true);
    const half = await orderRow(order.id);
    expect(half.status).toBe('paid');
    expect(half.next).toBe(ISSUE_SLICE);
    expect((await q(`SELECT COUNT(*) n FROM vouchers WHERE order_id = @id`, { id: order.id }))[0]!.n).toBe(ISSUE_SLICE);
    // Half-issued, the value not issued yet is still owed: the books balance.
    expect(await booksOf(app)).toEqual([]);

    const sheets = await fetch(`${app.url}/api/v1/orders/${order.id}/vouchers.pdf?token=${order.accessToken}`, { headers: { 'accept-language': 'en' } });
    expect(sheets.status).toBe(409);
    const refusal = await sheets.json();
    expect(refusal.error.code).toBe('ORDER_ISSUING');
    expect(refusal.error.message).toContain('being issued');

    // Two finishers and the resumer race: each slice re-reads where the order stands.
    await Promise.all([finish(order.id), finish(order.id), resume()]);
    const done = await orderRow(order.id);
    expect(done.journal).toBeNull();
    expect(done.remaining).toBe(0);
    const perLine = await q(`SELECT i.position, i.quantity, i.amount_cents a, COUNT(v.id) n, COALESCE(SUM(v.amount_cents), 0) s, COUNT(DISTINCT v.code) codes
      FROM order_items i LEFT JOIN vouchers v ON v.order_item_id = i.id WHERE i.order_id = @id GROUP BY i.id ORDER BY i.position`, { id: order.id });
    for (const line of perLine) {
      expect(line.n, `line ${line.position}`).toBe(line.quantity);
      expect(line.s).toBe(Number(line.quantity) * Number(line.a));
      expect(line.codes).toBe(line.quantity);
    }
    // One issue movement per voucher, under the sale's journal; one email each, and one to the buyer.
    expect((await q(`SELECT COUNT(*) n, COUNT(DISTINCT m.journal_id) j FROM movements m JOIN vouchers v ON v.id = m.voucher_id WHERE v.order_id = @id AND m.kind = 'issue'`, { id: order.id }))[0]).toEqual({ n: TOTAL, j: 1 });
    const vouchers = new Set((await q(`SELECT id FROM vouchers WHERE order_id = @id`, { id: order.id })).map((v) => String(v.id)));
    expect(await outboxFor('beneficiary_voucher', 'voucherId', vouchers)).toBe(100);
    expect(await outboxFor('org_order_paid', 'orderId', new Set([order.id]))).toBe(1);
    expect(await booksOf(app)).toEqual([]);

    const after = await fetch(`${app.url}/api/v1/orders/${order.id}/vouchers.csv?token=${order.accessToken}`);
    expect(after.status).toBe(200);
    expect((await after.text()).trim().split('\n')).toHaveLength(TOTAL + 1);
  });

  it('an order left half-issued by a stopped process is completed by the resumer every server runs', async () => {
    const order = await placeOrder();
    await payFirstSliceOnly(order, 'VIR-SLICES-2');
    expect((await orderRow(order.id)).journal).not.toBeNull();
    let kicked = 0;
    // The resumer every server runs: on PostgreSQL with its own pass (as server/app.ts starts it).
    const on = { logger: createLogger('silent'), kickOutbox: () => kicked++ };
    const job = startIssuingResumer(app.pg ? { resume, ...on } : { database: app.database, clock: app.clock, ...on }, 50);
    try {
      await expect.poll(async () => (await orderRow(order.id)).journal, { timeout: 10_000 }).toBeNull();
    } finally {
      job.stop();
    }
    expect((await q(`SELECT COUNT(*) n FROM vouchers WHERE order_id = @id`, { id: order.id }))[0]!.n).toBe(TOTAL);
    expect(kicked).toBeGreaterThan(0);
    expect(await booksOf(app)).toEqual([]);
  });

  it('over the API the payment answers once every voucher exists', async () => {
    const order = await placeOrder();
    const res = await fetch(`${app.url}/api/v1/orders/${order.id}/payments`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ amountCents: order.totalCents, reference: 'VIR-SLICES-3' }) });
    expect(res.status).toBe(201);
    expect((await res.json()).order.status).toBe('paid');
    expect((await q(`SELECT COUNT(*) n FROM vouchers WHERE order_id = @id`, { id: order.id }))[0]!.n).toBe(TOTAL);
    expect((await orderRow(order.id)).journal).toBeNull();
    expect(await booksOf(app)).toEqual([]);

    // The sheets are drawn in a worker thread: a client that leaves mid-download stops it,
    // and the next download is whole.
    const url = `${app.url}/api/v1/orders/${order.id}/vouchers.pdf?token=${order.accessToken}`;
    const abort = new AbortController();
    const partial = await fetch(url, { signal: abort.signal });
    expect(partial.status).toBe(200);
    await partial.body!.getReader().read();
    abort.abort();
    const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(whole.subarray(0, 5).toString()).toBe('%PDF-');
    expect(whole.subarray(-8).toString()).toContain('%%EOF');
    const pages = whole.toString('latin1').match(/\/Type \/Page\b/g) ?? [];
    expect(pages).toHaveLength(Math.ceil(TOTAL / 8));
  });
});
