import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../../db/client';
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { systemClock } from '../../server/lib/clock';
import { adminKey, COMPANY_BUYER, postOrder } from '../support/builders';
import { childEnv, startServerProcess, type ServerProcess } from '../support/server-process';

/**
 * Invoice numbers are sequential without gaps per year (FAC-YYYY-000001, 000002, …) even
 * when two server processes on one SQLite file issue invoices at the same moment: the
 * counter row and the invoice are written in the same BEGIN IMMEDIATE transaction.
 */
const ORDERS = 24;
const YEAR = new Date().getFullYear();

describe('invoice numbers under concurrency (two server processes, one database file)', () => {
  let dir: string;
  const servers: ServerProcess[] = [];
  const dbFile = () => join(dir, 'shared.db');
  const env = () => childEnv({ DATABASE_URL: `file:${dbFile()}`, DATA_DIR: dir, SESSION_SECRET: 'invoice-numbers-session-secret-of-32-chars' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'invoice-numbers-'));
    // The first one migrates and seeds; the second starts on the ready file.
    servers.push(await startServerProcess(env()));
    servers.push(await startServerProcess(env()));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('numbers every invoice of the year FAC-YYYY-000001..N, without gap or duplicate', async () => {
    const [a, b] = [servers[0]!, servers[1]!];
    // The operator's key, written to the shared file by this (third) process.
    const shared = openDatabase(`file:${dbFile()}`, { backgroundCheckpoints: false });
    let admin: ReturnType<typeof adminKey>;
    try {
      admin = adminKey({ database: shared, clock: systemClock });
    } finally {
      await shared.close();
    }

    const orders: { id: string; totalCents: number }[] = [];
    await Promise.all(
      Array.from({ length: ORDERS }, async (_, i) => {
        // Placed by the operator: 24 orders from one address and one email are past what an anonymous caller may send in an hour.
        const res = await postOrder((i % 2 ? a : b).url, { buyer: COMPANY_BUYER, items: [{ amountCents: 1000 * (1 + (i % 5)), quantity: 3 }] }, admin.headers);
        const body = await res.json();
        expect(res.status, JSON.stringify(body)).toBe(201);
        orders.push({ id: body.order.id, totalCents: body.order.totalCents });
      }),
    );

    // Every order paid at once through both processes. Some in two transfers (the second
    // completes it); each completing transfer is also delivered twice, once to each server.
    const pay = (server: ServerProcess, orderId: string, amountCents: number, reference: string) =>
      fetch(`${server.url}/api/v1/orders/${orderId}/payments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...admin.headers },
        body: JSON.stringify({ amountCents, reference }),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));

    const split = (i: number) => i % 3 === 0;
    const partials = await Promise.all(orders.map((o, i) => (split(i) ? pay(i % 2 ? a : b, o.id, 1000, `BNK-P-${i}`) : null)));
    for (const p of partials) if (p) expect(p.status, JSON.stringify(p.body)).toBe(201);

    const deliveries = orders.flatMap((o, i) => {
      const amount = split(i) ? o.totalCents - 1000 : o.totalCents;
      return [pay(a, o.id, amount, `BNK-C-${i}`), pay(b, o.id, amount, `BNK-C-${i}`)];
    });
    const results = await Promise.all(deliveries);
    for (const r of results) expect([200, 201], JSON.stringify(r.body)).toContain(r.status);
    expect(results.filter((r) => r.body.issued)).toHaveLength(ORDERS);
    expect(results.filter((r) => r.body.replayed)).toHaveLength(ORDERS);

    const db = new Database(dbFile(), { readonly: true });
    try {
      const rows = db.prepare(`SELECT number, seq, order_id AS orderId FROM invoices WHERE kind = 'invoice' AND year = ? ORDER BY seq`).all(YEAR) as { number: string; seq: number; orderId: string }[];
      expect(rows.length).toBeGreaterThanOrEqual(ORDERS);
      expect(rows.map((r) => r.number)).toEqual(rows.map((_, i) => `FAC-${YEAR}-${String(i + 1).padStart(6, '0')}`));
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
      // One invoice per order, each of ours invoiced.
      expect(new Set(rows.map((r) => r.orderId)).size).toBe(rows.length);
      for (const o of orders) expect(rows.some((r) => r.orderId === o.id)).toBe(true);
      const counter = db.prepare(`SELECT last_seq AS lastSeq FROM invoice_counters WHERE kind = 'invoice' AND year = ?`).get(YEAR) as { lastSeq: number };
      expect(counter.lastSeq).toBe(rows.length);
      const paid = db.prepare(`SELECT COUNT(*) AS n FROM orders WHERE status = 'paid' AND id IN (${orders.map(() => '?').join(',')})`).get(...orders.map((o) => o.id)) as { n: number };
      expect(paid.n).toBe(ORDERS);
    } finally {
      db.close();
    }

    const check = openDatabase(`file:${dbFile()}`, { backgroundCheckpoints: false });
    try {
      expect(checkLedger(check)).toEqual([]);
    } finally {
      await check.close();
    }
  }, 120_000);
});
