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
import { drainOutbox, type OutboxDeps } from '../../server/mail/outbox-worker';
import { fileTransport, smtpTransport, type MailTransport } from '../../server/mail/transport';
import { DemoProvider } from '../../server/payments/demo-provider';
import type { PaymentProvider } from '../../server/payments/payment-provider';
import { StripeProvider } from '../../server/payments/stripe-provider';
import type { RateLimitSettings } from '../../server/web/middleware/rate-limits';

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
}

export interface TestApp {
  url: string;
  /** The Express app being served (e.g. to list its routes). */
  app: Express;
  config: Config;
  database: Database_;
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
  const app = createApp({ config, database, clock, logger, payments, rateLimits: { ordersPer10Min: 10_000, ordersPerEmailPerHour: 10_000, voucherMissesPer10Min: 10_000, signInsPer15Min: 10_000, signInFailuresPerAccountPer15Min: 10_000, passwordResetsPer15Min: 10_000, ...opts.rateLimits } });
  server.on('request', app);
  return {
    url,
    app,
    config,
    database,
    clock,
    payments,
    transport,
    dataDir,
    drainOutbox: () => drainOutbox(outboxDeps),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
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
