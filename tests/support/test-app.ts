import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { migrateDatabase, openDatabase, type Database_ } from '../../db/client';
import { seedDemo } from '../../db/seed/demo';
import { createApp, VIEWS_DIR } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import { fixedClock, systemClock, type Clock } from '../../server/lib/clock';
import { createLogger, type Logger } from '../../server/lib/logger';
import { drainOutbox, drainWith, type OutboxDeps } from '../../server/mail/outbox-worker';
import { renderMessage } from '../../server/mail/messages';
import { pgMailReads } from '../../server/mail/mail-reads-pg';
import { pgOutboxStore } from '../../server/mail/outbox-store-pg';
import { pgUnits } from '../../db/store-units';
import { fileTransport, smtpTransport, type MailTransport } from '../../server/mail/transport';
import { DemoProvider } from '../../server/payments/demo-provider';
import type { PaymentProvider } from '../../server/payments/payment-provider';
import { StripeProvider } from '../../server/payments/stripe-provider';
import type { RateLimitSettings } from '../../server/web/middleware/rate-limits';
import { openPostgresPool, type PgDatabase } from '../../db/postgres-pool';
import { connectPostgres, migratePostgres } from '../../db/postgres';
import { copySqliteToPostgres } from '../../db/copy/copy-database';
import { notOnPostgres } from '../../server/lib/not-on-postgres';
import { startPostgres, type PgCluster } from './postgres';

export interface TestAppOptions {
  /** Seed the demo campaigns and shops (default true). */
  seed?: boolean;
  /** Stripe settings; without them the demo provider is used. */
  stripe?: { secretKey: string; webhookSecret: string; apiBase: string };
  smtpUrl?: string;
  clock?: Clock;
  rateLimits?: Partial<RateLimitSettings>;
  /** Use this database file instead of a fresh one (e.g. shared with another process). */
  databaseFile?: string;
  env?: Record<string, string>;
  /** Capture logs (e.g. to check that secrets never reach them). */
  logger?: Logger;
  /**
   * 'postgres': the app runs on a PostgreSQL database (a new one on `postgres`, or on a cluster
   * of its own). The data is prepared on a SQLite file first (seed, then `prepare`) and moved
   * over with copy-database — the operator's own path — so every test builds its data once.
   */
  backend?: 'sqlite' | 'postgres';
  postgres?: PgCluster;
  /** Runs on the SQLite database after the seed and before a PostgreSQL copy. */
  prepare?: (database: Database_) => void | Promise<void>;
}

export interface TestApp {
  url: string;
  /** The Express app being served (e.g. to list its routes). */
  app: Express;
  config: Config;
  /** The SQLite database; on PostgreSQL a guard that refuses (read `pg` instead). */
  database: Database_;
  /** The app's PostgreSQL pool when `backend: 'postgres'`, else null. */
  pg: PgDatabase | null;
  clock: Clock;
  payments: PaymentProvider;
  transport: MailTransport;
  dataDir: string;
  /** Sends due outbox mail now, as the worker would. */
  drainOutbox: () => Promise<{ sent: number; failed: number }>;
  close: () => Promise<void>;
}

/**
 * The real app on an ephemeral loopback port with a fresh SQLite file in a temp dir.
 * The port is taken first so BASE_URL (used in QR codes and links) is the real one.
 */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vouchers-test-'));
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    BASE_URL: url,
    DATABASE_URL: `file:${opts.databaseFile ?? join(dataDir, 'app.db')}`,
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    SESSION_SECRET: 'test-session-secret-of-at-least-32-characters',
    ...(opts.stripe ? { STRIPE_SECRET_KEY: opts.stripe.secretKey, STRIPE_WEBHOOK_SECRET: opts.stripe.webhookSecret, STRIPE_API_BASE: opts.stripe.apiBase } : {}),
    ...(opts.smtpUrl ? { SMTP_URL: opts.smtpUrl } : {}),
    ...opts.env,
  });
  const database = openDatabase(config.databaseUrl);
  migrateDatabase(database);
  const clock = opts.clock ?? systemClock;
  if (opts.seed !== false && !opts.databaseFile) await seedDemo(database, clock.now());
  await opts.prepare?.(database);
  const onPg = (opts.backend ?? defaultBackend()) === 'postgres' ? await movedToPostgres(database, opts.postgres ?? (await sharedCluster())) : null;
  const logger = opts.logger ?? createLogger(config.logLevel);
  const payments = config.stripe ? new StripeProvider(config.stripe) : new DemoProvider(config.baseUrl);
  const transport = config.smtpUrl ? smtpTransport(config.smtpUrl) : fileTransport(join(dataDir, 'outbox'));
  const outboxDeps: OutboxDeps = {
    database,
    clock,
    logger,
    transport,
    from: config.mailFrom,
    messages: { database, baseUrl: url, viewsDir: VIEWS_DIR, demo: payments.name === 'demo', operator: config.operator },
  };
  const appDatabase = onPg ? notOnPostgres() : database;
  const app = createApp({ config, database: appDatabase, pg: onPg?.pg, clock, logger, payments, rateLimits: { ordersPer10Min: 10_000, ordersPerEmailPerHour: 10_000, voucherMissesPer10Min: 10_000, signInsPer15Min: 10_000, signInFailuresPerAccountPer15Min: 10_000, passwordResetsPer15Min: 10_000, ...opts.rateLimits } });
  server.on('request', app);
  return {
    url,
    app,
    config,
    database: appDatabase,
    pg: onPg?.pg ?? null,
    clock,
    payments,
    transport,
    dataDir,
    // On PostgreSQL the worker claims there; messages render from the app's backend.
    drainOutbox: () =>
      onPg
        ? drainWith({ outbox: pgUnits(onPg.pg, pgOutboxStore), clock, logger, transport, from: config.mailFrom, render: (msg) => renderMessage({ ...outboxDeps.messages, database: appDatabase, reads: pgMailReads(onPg.pg.pool) }, msg) })
        : drainOutbox(outboxDeps),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
      await onPg?.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * TEST_BACKEND=postgres runs every test app on PostgreSQL (the suite's PostgreSQL pass, see
 * .ci/run); a test asks for one backend with `backend`.
 */
function defaultBackend(): 'sqlite' | 'postgres' {
  const wanted = process.env.TEST_BACKEND ?? 'sqlite';
  if (wanted !== 'sqlite' && wanted !== 'postgres') throw new Error(`TEST_BACKEND=${wanted}: sqlite or postgres`);
  return wanted;
}

// One cluster per test process for the apps that did not bring theirs (a database each).
let cluster: Promise<PgCluster> | null = null;
function sharedCluster(): Promise<PgCluster> {
  if (!cluster) {
    cluster = startPostgres();
    void cluster.then((c) => process.once('exit', () => c.stop()));
  }
  return cluster;
}

let pgDatabases = 0;
/** The seeded SQLite data copied into a new PostgreSQL database (migrated first), and a pool on it. */
async function movedToPostgres(database: Database_, cluster: PgCluster): Promise<{ pg: PgDatabase; close: () => Promise<void> }> {
  const url = await cluster.createDatabase(`app_${process.pid}_${++pgDatabases}`);
  const client = await connectPostgres(url);
  try {
    await migratePostgres(client);
    const outcome = await copySqliteToPostgres(database.sqlite, client);
    if (!outcome.ok) throw new Error(`copy to PostgreSQL failed: ${JSON.stringify(outcome)}`);
  } finally {
    await client.end();
  }
  const pg = openPostgresPool(url, { max: 10 });
  return {
    pg,
    close: async () => {
      await pg.close();
    },
  };
}

export { fixedClock };

/** A small form-aware client: keeps cookies, reads the CSRF token from the last page. */
export class FormClient {
  private cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(new URL(path, this.base), { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<{ res: Response; html: string }> {
    const res = await this.request(path, { headers });
    return { res, html: await res.text() };
  }

  /** Posts a form with the CSRF token found in `pageHtml`. */
  async post(path: string, fields: Record<string, string>, pageHtml: string): Promise<{ res: Response; html: string }> {
    const token = /name="_csrf" value="([^"]+)"/.exec(pageHtml)?.[1] ?? '';
    const res = await this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token, ...fields }).toString(),
    });
    return { res, html: await res.text() };
  }
}
