import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS_ORDER_VOUCHERS } from '../../server/domain/orders/orders-service';
import { TOWN_HALL_BUYER, adminKeyOn, postOrder } from '../support/builders';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 13, finding 5: one anonymous 4 MB order of 10 000 lines held the event loop for
 * 2.1 s, its pro-forma 1.7 s more. The app runs in this process, so the loop measured
 * here is the server's.
 */
let app: TestApp;
let admin: string;
const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ amountCents: 2000, quantity: 1, recipientName: `Agent ${i + 1}`, recipientEmail: `agent${i + 1}@mairie-exemple.fr`, message: 'Merci pour votre engagement au service des habitants, et belles fêtes de fin d’année à vous et vos proches !' }));

/**
 * The longest the event loop was held while `work` ran, in ms: the largest gap between
 * ticks of a 5 ms interval timer, less the 5 ms, and the maximum of Node's event-loop-delay
 * histogram (10 ms resolution), whichever is larger.
 */
async function longestStall(work: () => Promise<void>): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  let last = performance.now();
  let gap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last - 5);
    last = now;
  }, 5);
  h.enable();
  try {
    await work();
  } finally {
    h.disable();
    clearInterval(timer);
  }
  return Math.max(gap, h.max / 1e6);
}

beforeAll(async () => {
  app = await startTestApp();
  admin = (await adminKeyOn(app, 'ops')).key;
});
afterAll(() => app.close());

describe('large organisation orders', () => {
  it('an anonymous 10 000-line order (4 MB) is refused before it is read: 413', async () => {
    const body = JSON.stringify({ campaign: 'seine-estuaire', paymentMethod: 'bank_transfer', buyer: TOWN_HALL_BUYER, items: lines(10_000) });
    expect(body.length).toBeGreaterThan(1_000_000);
    const res = await fetch(`${app.url}/api/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it(`an anonymous order of more than ${ANONYMOUS_ORDER_VOUCHERS} vouchers goes to the operator: 422 naming the limit`, async () => {
    const res = await postOrder(app.url, { buyer: TOWN_HALL_BUYER, items: [{ amountCents: 2000, quantity: ANONYMOUS_ORDER_VOUCHERS + 1 }] }, { 'accept-language': 'en' });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe('ORDER_LIMIT_EXCEEDED');
    expect(body.error.message).toContain('contact the operator');
  });

  // The bound asserted is the margin a loaded 2-core machine allows (other test files run
  // beside this one and the OS preempts the loop), not the 100 ms aimed at, which
  // bench/bulk-issue.bench.ts measures. What it guards is that no step grows with the order,
  // as the 2.1 s and 1.7 s did: issuing goes in slices (order-issuing-slices.test.ts), PDFs
  // are drawn in worker threads.
  it(`the largest anonymous order (${ANONYMOUS_ORDER_VOUCHERS} lines), its pro-forma, its issue and its sheets never hold the event loop a second`, async () => {
    // Warm-up: a small order through the same steps, so first-use costs (fonts loaded and
    // subset for the PDFs, code compiled) are not taken for the size of the order.
    const small = await (await postOrder(app.url, { buyer: TOWN_HALL_BUYER, items: lines(2) })).json();
    await (await fetch(`${app.url}/api/v1/orders/${small.order.id}/proforma.pdf?token=${small.accessToken}`)).arrayBuffer();
    await fetch(`${app.url}/api/v1/orders/${small.order.id}/payments`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ amountCents: small.order.totalCents, reference: 'WARM-1' }) });
    await (await fetch(`${app.url}/api/v1/orders/${small.order.id}/vouchers.pdf?token=${small.accessToken}`)).arrayBuffer();

    let order!: { id: string; totalCents: number };
    let token!: string;
    const stalls: Record<string, number> = {};
    stalls.create = await longestStall(async () => {
      const res = await postOrder(app.url, { buyer: TOWN_HALL_BUYER, items: lines(ANONYMOUS_ORDER_VOUCHERS) });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(201);
      order = body.order;
      token = body.accessToken;
    });
    stalls.proforma = await longestStall(async () => {
      const res = await fetch(`${app.url}/api/v1/orders/${order.id}/proforma.pdf?token=${token}`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    });
    stalls.issue = await longestStall(async () => {
      const res = await fetch(`${app.url}/api/v1/orders/${order.id}/payments`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ amountCents: order.totalCents, reference: 'BIG-1' }) });
      expect(res.status).toBe(201);
    });
    stalls.sheets = await longestStall(async () => {
      const res = await fetch(`${app.url}/api/v1/orders/${order.id}/vouchers.pdf?token=${token}`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    });
    console.log('longest event-loop stalls (ms)', stalls);
    for (const [step, ms] of Object.entries(stalls)) expect(ms, step).toBeLessThan(1000);
  }, 60_000);
});
