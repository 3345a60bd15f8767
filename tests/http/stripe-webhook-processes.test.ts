/**
 * Issue 14: two app processes on one database, the same Stripe webhook delivered to both at
 * once, 5 times → the order is paid once, its vouchers issued once, its payment and journal
 * recorded once, its mail enqueued once, and check-ledger is clean.
 * - PostgreSQL: two processes of tests/support/pg-webhook-server.ts (the production webhook
 *   handler on the PostgreSQL backend, each with its own pool) on one throwaway cluster;
 * - SQLite: two full app processes (server/main.ts) on one file.
 * The orders are created by the project's code paths against the Stripe stand-in (and copied to
 * PostgreSQL by copy-database); the events are the stand-in's, signed with the webhook secret.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../server/lib/clock';
import { cardOrderFixture, type Backend, type CardOrderFixture, type PendingCardOrder } from '../support/card-payment-backends';
import { postWebhook, startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { childEnv, startServerProcess } from '../support/server-process';

const SECRET_KEY = 'sk_test_processes_51HxYz';
const WEBHOOK_SECRET = 'whsec_processes_signing_secret';
const ROUNDS = 5;

interface Process {
  url: string;
  stop(): Promise<void>;
}

function startPgWebhookServer(pgUrl: string): Promise<Process> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'tests/support/pg-webhook-server.ts'], {
    env: { ...process.env, PG_URL: pgUrl, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve({ url: `http://127.0.0.1:${m[1]}`, stop });
    });
    child.once('exit', (code) => reject(new Error(`webhook server exited ${code}: ${err}`)));
  });
}

async function startAppProcesses(file: string, stripeUrl: string): Promise<Process[]> {
  const env = childEnv({
    DATABASE_URL: `file:${file}`, DATA_DIR: dirname(file), SEED_DEMO: '0', SESSION_SECRET: 'webhook-processes-session-secret-32chars',
    STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_BASE: stripeUrl,
  });
  return Promise.all([startServerProcess(env), startServerProcess(env)]);
}

const ORDERS = [
  { campaign: 'seine-estuaire', amountCents: 20_00, quantity: 30, email: 'card.one@example.org' },
  // A campaign with a sponsor bonus: the reservation becomes used at payment, a bonus voucher is issued.
  { campaign: 'noel-fecamp', amountCents: 30_00, quantity: 5, email: 'card.two@example.org' },
];

function describeBackend(backend: Backend, available: boolean) {
  describe.skipIf(!available)(`two app processes on one ${backend === 'postgres' ? 'PostgreSQL' : 'SQLite file'}`, () => {
    let stripe: FakeStripe;
    let cluster: PgCluster | undefined;
    let f: CardOrderFixture;
    let servers: Process[] = [];

    beforeAll(async () => {
      stripe = await startFakeStripe({ secretKey: SECRET_KEY });
      if (backend === 'postgres') cluster = await startPostgres();
      f = await cardOrderFixture(backend, { clock: fixedClock(new Date()), stripe: { secretKey: SECRET_KEY, apiBase: stripe.url }, orders: ORDERS, cluster });
      servers = backend === 'postgres' ? await Promise.all([startPgWebhookServer(f.location), startPgWebhookServer(f.location)]) : await startAppProcesses(f.location, stripe.url);
    }, 240_000);
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await f?.close();
      cluster?.stop();
      await stripe?.close();
    });

    const n = async (sql: string, ...params: unknown[]) => Number(await f.scalar(sql, params));

    /** The same signed bytes to both processes at once, `ROUNDS` times. */
    async function deliverToBoth(type: string, session: Parameters<FakeStripe['event']>[1]): Promise<{ status: number; outcome: string }[]> {
      const { payload, header } = stripe.signedDelivery(stripe.event(type, session), WEBHOOK_SECRET);
      const answers: { status: number; outcome: string }[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const both = await Promise.all(servers.map((s) => postWebhook(s.url, payload, header)));
        answers.push(...both.map((a) => ({ status: a.status, outcome: a.body?.outcome ?? JSON.stringify(a.body) })));
      }
      return answers;
    }

    async function expectIssuedOnce(o: PendingCardOrder) {
      expect(await f.scalar(`SELECT status FROM orders WHERE id = ?`, [o.id])).toBe('paid');
      expect(await n(`SELECT paid_cents FROM orders WHERE id = ?`, o.id)).toBe(o.totalCents);
      const bonus = await n(`SELECT bonus_cents FROM orders WHERE id = ?`, o.id);
      const face = await n(`SELECT total_cents - fee_cents - fee_vat_cents FROM orders WHERE id = ?`, o.id);
      // The sponsor's bonus voucher is a line of the order (quantity 1): counted in o.vouchers.
      const vouchers = o.vouchers;
      if (o === f.orders[1]) expect(bonus).toBeGreaterThan(0);
      expect(await n(`SELECT COUNT(*) FROM vouchers WHERE order_id = ?`, o.id)).toBe(vouchers);
      expect(await n(`SELECT COALESCE(SUM(amount_cents), 0) FROM vouchers WHERE order_id = ?`, o.id)).toBe(face + bonus);
      expect(await n(`SELECT COUNT(DISTINCT code) FROM vouchers WHERE order_id = ?`, o.id)).toBe(vouchers);
      expect(await n(`SELECT COUNT(*) FROM movements WHERE order_id = ? AND kind = 'issue'`, o.id)).toBe(vouchers);
      expect(await n(`SELECT COUNT(*) FROM payments WHERE order_id = ?`, o.id)).toBe(1);
      expect(await n(`SELECT COUNT(*) FROM journals WHERE order_id = ? AND kind = 'voucher_sale'`, o.id)).toBe(1);
      expect(await n(`SELECT COUNT(*) FROM outbox_messages WHERE kind = 'order_vouchers' AND payload = ?`, JSON.stringify({ orderId: o.id }))).toBe(1);
      expect(await n(`SELECT COUNT(*) FROM audit_log WHERE action = 'order_payment_confirmed' AND entity_id = ?`, o.id)).toBe(1);
    }

    it(`the same checkout.session.completed to both at once, ${ROUNDS} times: paid once, vouchers issued once, books clean`, async () => {
      for (const o of f.orders) {
        const answers = await deliverToBoth('checkout.session.completed', stripe.completeSession(o.sessionId));
        expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
        expect(answers.filter((a) => a.outcome === 'issued')).toHaveLength(1);
        expect(answers.filter((a) => a.outcome !== 'issued').map((a) => a.outcome)).toEqual(answers.slice(1).map(() => 'duplicate'));
        await expectIssuedOnce(o);
      }
      const sold = await n(`SELECT COALESCE(SUM(amount_cents), 0) FROM vouchers WHERE order_id IN (?, ?)`, f.orders[0]!.id, f.orders[1]!.id);
      expect(sold).toBeGreaterThan(0);
      expect(await f.books()).toEqual([]);
    }, 180_000);

    it('a second event for the same payment (async_payment_succeeded) to both at once: nothing more is issued', async () => {
      const o = f.orders[0]!;
      const answers = await deliverToBoth('checkout.session.async_payment_succeeded', stripe.completeSession(o.sessionId));
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
      expect(new Set(answers.map((a) => a.outcome))).toEqual(new Set(['already_paid', 'duplicate']));
      expect(answers.filter((a) => a.outcome === 'already_paid')).toHaveLength(1);
      await expectIssuedOnce(o);
      expect(await f.books()).toEqual([]);
    }, 120_000);

    it('an unsigned or wrongly signed delivery answers 400 INVALID_SIGNATURE and records nothing', async () => {
      const o = f.orders[0]!;
      const events = await n(`SELECT COUNT(*) FROM provider_events`);
      const { payload, header } = stripe.signedDelivery(stripe.event('checkout.session.completed', stripe.completeSession(o.sessionId)), 'whsec_someone_else');
      for (const s of servers) {
        const forged = await postWebhook(s.url, payload, header);
        expect(forged.status).toBe(400);
        expect(forged.body).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } });
        expect((await postWebhook(s.url, payload)).status).toBe(400);
      }
      expect(await n(`SELECT COUNT(*) FROM provider_events`)).toBe(events);
    }, 60_000);
  });
}

// Skips only where PostgreSQL is not installed, with a printed notice; REQUIRE_POSTGRES=1
// (set by .ci/run) makes postgresAvailable() throw instead, so in CI this runs or fails.
describeBackend('postgres', postgresAvailable());
describeBackend('sqlite', true);
