import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { childEnv, startServerProcess, type ServerProcess } from '../support/server-process';

const run = promisify(execFile);
const WEBHOOK_SECRET = 'whsec_two_processes';

/**
 * Two real server processes (npm start's entry point) on one SQLite file receive the
 * same payment events at once: BEGIN IMMEDIATE + the event-id key + the order-status
 * check must issue the vouchers exactly once.
 */
describe('two server processes on one database file', () => {
  let dir: string;
  let stripe: FakeStripe;
  const servers: ServerProcess[] = [];
  const env = () =>
    childEnv({
      DATABASE_URL: `file:${join(dir, 'shared.db')}`,
      DATA_DIR: dir,
      SESSION_SECRET: 'two-processes-session-secret-of-32-chars',
      STRIPE_SECRET_KEY: 'sk_test_two_processes',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: stripe.url,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'two-processes-'));
    stripe = await startFakeStripe();
    // The first one migrates and seeds; the second starts on the ready file.
    servers.push(await startServerProcess(env()));
    servers.push(await startServerProcess(env()));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await stripe?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues the vouchers exactly once when both receive the same events concurrently', async () => {
    const [a, b] = [servers[0]!, servers[1]!];
    const res = await fetch(`${a.url}/api/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ campaign: 'seine-estuaire', buyer: { type: 'individual', name: 'Zoé', email: 'zoe@example.org' }, items: [{ amountCents: 5000, quantity: 3 }], paymentMethod: 'card' }),
    });
    expect(res.status).toBe(201);
    const { order, accessToken } = await res.json();
    const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === order.id)!;
    const paid = stripe.completeSession(session.id);
    const completed = stripe.event('checkout.session.completed', paid);
    const asyncOk = stripe.event('checkout.session.async_payment_succeeded', paid);
    const deliveries = [];
    for (let i = 0; i < 12; i++) {
      const target = i % 2 ? a.url : b.url;
      deliveries.push(stripe.deliver(target, i % 3 === 0 ? asyncOk : completed, WEBHOOK_SECRET));
    }
    const results = await Promise.all(deliveries);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.outcome === 'issued')).toHaveLength(1);

    const view = await (await fetch(`${b.url}/api/v1/orders/${order.id}`, { headers: { authorization: `Bearer ${accessToken}` } })).json();
    expect(view.order.status).toBe('paid');
    expect(view.vouchers).toHaveLength(3);

    const db = new Database(join(dir, 'shared.db'), { readonly: true });
    try {
      const n = (sql: string) => (db.prepare(sql).get(order.id) as { n: number }).n;
      expect(n('SELECT COUNT(*) n FROM vouchers WHERE order_id = ?')).toBe(3);
      expect(n('SELECT COUNT(*) n FROM payments WHERE order_id = ?')).toBe(1);
      expect(n(`SELECT COUNT(*) n FROM outbox_messages WHERE json_extract(payload, '$.orderId') = ?`)).toBe(1);
    } finally {
      db.close();
    }

    // The operator's check, through the real CLI on the same file.
    const cli = await run(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'check-ledger', '--json'], { env: env() });
    const last = JSON.parse(cli.stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ ok: true, breaches: [] });
  });
});
