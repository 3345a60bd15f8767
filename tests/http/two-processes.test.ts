import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';

const run = promisify(execFile);
const WEBHOOK_SECRET = 'whsec_two_processes';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function waitHealthy(url: string, child: ChildProcess, output: () => string) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not start: ${output()}`);
}

/**
 * Two real server processes (npm start's entry point) on one SQLite file receive the
 * same payment events at once: BEGIN IMMEDIATE + the event-id key + the order-status
 * check must issue the vouchers exactly once.
 */
describe('two server processes on one database file', () => {
  let dir: string;
  let stripe: FakeStripe;
  const servers: { url: string; child: ChildProcess }[] = [];
  // Vitest sets BASE_URL=/ (Vite's base path) in process.env: not ours to pass on.
  const env = () => ({
    ...process.env,
    BASE_URL: 'http://127.0.0.1',
    NODE_ENV: 'test',
    DATABASE_URL: `file:${join(dir, 'shared.db')}`,
    DATA_DIR: dir,
    LOG_LEVEL: 'warn',
    SESSION_SECRET: 'two-processes-session-secret-of-32-chars',
    STRIPE_SECRET_KEY: 'sk_test_two_processes',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE: stripe.url,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'two-processes-'));
    stripe = await startFakeStripe();
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env: { ...env(), PORT: String(port), BASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out += d));
      servers.push({ url, child });
      // The first one migrates and seeds; the second starts on the ready file.
      await waitHealthy(url, child, () => out);
    }
  }, 60_000);

  afterAll(async () => {
    for (const s of servers) s.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r)))));
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
