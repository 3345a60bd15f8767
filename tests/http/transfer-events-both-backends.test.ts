/**
 * Stripe Connect payout events (`transfer.created`, `transfer.reversed`: payouts.ts) on both
 * backends (issue 14): one settlement paid by a Connect transfer on a SQLite app (the real
 * run against the Stripe stand-in), then its file served as is (two connections) or copied to
 * PostgreSQL by copy-database (two pools), each with two webhook servers running the
 * production handler. A partial then a full reversal, each delivered 5 times to both servers
 * at once, are booked once each; check-ledger clean on the backend.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database_ } from '../../db/client';
import { copySqliteToPostgres } from '../../db/copy/copy-database';
import { connectPostgres, migratePostgres } from '../../db/postgres';
import { openPostgresPool, type PgDatabase } from '../../db/postgres-pool';
import { readSnapshotPostgres } from '../../db/read-program';
import { checkLedger, ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import { systemClock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { parisDate } from '../../server/lib/paris-time';
import { StripeProvider, stripeClient } from '../../server/payments/stripe-provider';
import { stripeTransfers } from '../../server/payments/stripe-transfers';
import { postgresWebhookBackend, sqliteWebhookBackend } from '../../server/web/webhooks/routes';
import { buyVouchers } from '../support/builders';
import { startFakeStripe, type FakeStripe, type TransferObject } from '../support/fake-stripe';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { listen } from '../support/refund-backends';
import { merchantId, settle, take } from '../support/settlement';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

const SECRET = 'sk_test_connect_both';
const WEBHOOK_SECRET = 'whsec_connect_both';
const silent = createLogger('silent');
const backends = postgresAvailable() ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
const clock = fixedClock('2026-11-16T09:00:00Z');
let stripe: FakeStripe;
let app: TestApp;
let transfer: TransferObject;
let statementId: string;
let netCents: number;
const dir = mkdtempSync(join(tmpdir(), 'transfer-events-'));

beforeAll(async () => {
  stripe = await startFakeStripe({ secretKey: SECRET });
  app = await startTestApp({ backend: 'sqlite', clock, stripe: { secretKey: SECRET, webhookSecret: WEBHOOK_SECRET, apiBase: stripe.url } });
  const galerne = merchantId(app.database, 'librairie-la-galerne');
  app.database.sqlite.prepare(`UPDATE merchants SET stripe_account_id = 'acct_1Galerne' WHERE id = ?`).run(galerne);
  const [v] = await buyVouchers(app, { amountCents: 100_00, quantity: 1 });
  await take(app, galerne, v!.code, 64_10);
  clock.advance(3600_000);
  const r = await settle(app, parisDate(clock.now()), stripeTransfers(stripeClient(app.config.stripe!)));
  expect(r.stripe).toEqual({ paid: 1, failed: 0 });
  transfer = [...stripe.transfers.values()][0]!;
  const row = app.database.sqlite.prepare(`SELECT id, net_cents FROM statements WHERE stripe_transfer_id = ?`).get(transfer.id) as { id: string; net_cents: number };
  statementId = row.id;
  netCents = row.net_cents;
  await app.database.sqlite.backup(join(dir, 'settled.db'));
}, 120_000);
afterAll(async () => {
  await app?.close();
  await stripe?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(backends)('payout events on %s', (backend) => {
  let cluster: PgCluster | undefined;
  let servers: { url: string; server: import('node:http').Server }[] = [];
  let row: () => Promise<Record<string, unknown>>;
  let count: (sql: string) => Promise<number>;
  let books: () => Promise<unknown[]>;
  const closers: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    const payments = new StripeProvider({ secretKey: SECRET, webhookSecret: WEBHOOK_SECRET, apiBase: stripe.url });
    if (backend === 'sqlite') {
      // A copy of its own: the PostgreSQL pass is copied from the untouched file.
      const file = join(dir, 'sqlite.db');
      copyFileSync(join(dir, 'settled.db'), file);
      const dbs: Database_[] = [openDatabase(`file:${file}`, { backgroundCheckpoints: false }), openDatabase(`file:${file}`, { backgroundCheckpoints: false })];
      for (const database of dbs) {
        servers.push(await listen(sqliteWebhookBackend({ database, clock: systemClock, payments, baseUrl: 'http://127.0.0.1', logger: silent, operator: loadOperator({}, false) }), payments));
        closers.push(() => database.close());
      }
      const db = dbs[0]!;
      row = async () => db.sqlite.prepare(`SELECT status, reversed_cents, failure_reason FROM statements WHERE id = ?`).get(statementId) as Record<string, unknown>;
      count = async (sql) => db.sqlite.prepare(sql).pluck().get() as number;
      books = async () => checkLedger(db);
      return;
    }
    cluster = await startPostgres();
    const url = await cluster.createDatabase(`transfers_${Date.now()}`);
    const client = await connectPostgres(url);
    await migratePostgres(client);
    const source = openDatabase(`file:${join(dir, 'settled.db')}`, { backgroundCheckpoints: false });
    const copied = await copySqliteToPostgres(source.sqlite, client);
    await source.close();
    if (!copied.ok) throw new Error(`copy-database: ${JSON.stringify(copied)}`);
    const pools: PgDatabase[] = [openPostgresPool(url), openPostgresPool(url)];
    for (const pg of pools) {
      servers.push(await listen(postgresWebhookBackend(pg, { clock: systemClock, logger: silent }), payments));
      closers.push(() => pg.close());
    }
    closers.push(() => client.end());
    row = async () => (await client.query(`SELECT status, reversed_cents, failure_reason FROM statements WHERE id = $1`, [statementId])).rows[0];
    count = async (sql) => Number((await client.query({ text: sql, rowMode: 'array' })).rows[0]![0]);
    books = () => readSnapshotPostgres(client, ledgerChecks(FULL, 'postgres'));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.server.close(r))));
    for (const close of closers) await close();
    servers = [];
    cluster?.stop();
  });

  const everywhere = async (event: ReturnType<FakeStripe['event']>, times: number) => {
    const all = await Promise.all(Array.from({ length: times }, () => servers.map((s) => stripe.deliver(s.url, event, WEBHOOK_SECRET))).flat());
    for (const d of all) expect(d.status, JSON.stringify(d.body)).toBe(200);
    return all.map((d) => d.body.outcome as string).sort();
  };
  const reversalJournals = () => count(`SELECT COUNT(*) FROM journals WHERE kind = 'settlement_payout_reversal'`);

  it('a partial then a full reversal, each 5 times to both servers at once: booked once each', async () => {
    expect(await everywhere(stripe.event('transfer.created', { ...transfer }), 2)).toEqual(['ignored', 'ignored', 'ignored', 'ignored']);
    const partial = stripe.event('transfer.reversed', { ...transfer, amount_reversed: 10_00, reversed: false });
    const outcomes = await everywhere(partial, 5);
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(await row()).toEqual({ status: 'partially_reversed', reversed_cents: 10_00, failure_reason: 'transfer_partially_reversed' });
    expect(await reversalJournals()).toBe(1);
    const full = stripe.event('transfer.reversed', { ...transfer, amount_reversed: netCents, reversed: true });
    expect((await everywhere(full, 5)).filter((o) => o === 'applied')).toHaveLength(1);
    expect(await row()).toEqual({ status: 'failed', reversed_cents: netCents, failure_reason: 'transfer_reversed' });
    expect(await reversalJournals()).toBe(2);
    // An older event after the full reversal books nothing.
    expect((await everywhere(partial, 1)).every((o) => o === 'ignored')).toBe(true);
    expect(await reversalJournals()).toBe(2);
    expect(await books()).toEqual([]);
  });
});
