import { migrateDatabase, openDatabase } from '../db/client';
import { isDatabaseEmpty, seedDemo, type SeedResult } from '../db/seed/demo';
import { isPostgresUrl } from '../db/database-url';
import { notOnPostgres } from './lib/not-on-postgres';
import { startOnPostgres } from './postgres-start';
import { seedDemoRedemptions } from '../db/seed/demo-redemptions';
import { seedDemoBrand } from '../db/seed/demo-brand';
import { createApp, VIEWS_DIR } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { systemClock } from './lib/clock';
import { createLogger } from './lib/logger';
import { startOutboxWorker } from './mail/outbox-worker';
import { renderMessage } from './mail/messages';
import { pgMailReads } from './mail/mail-reads-pg';
import { pgOutboxStore } from './mail/outbox-store-pg';
import { pgUnits } from '../db/store-units';
import { startScheduledJobs } from './jobs/scheduled-jobs';
import { transferGateway } from './payments/stripe-transfers';
import { fileTransport, smtpTransport } from './mail/transport';
import { DemoProvider } from './payments/demo-provider';
import { StripeProvider } from './payments/stripe-provider';
import { join } from 'node:path';
import { sharedSessionSecret } from './domain/sessions/session-secret-repository';

/** The only place that listens. */
async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  // On a postgres:// URL the app runs on PostgreSQL (server/postgres-start.ts); code not
  // ported yet gets `notOnPostgres()` as its database and answers 503.
  const onPg = isPostgresUrl(config.databaseUrl) ? await startOnPostgres(config, systemClock) : null;
  const database = onPg ? notOnPostgres() : openDatabase(config.databaseUrl);
  let seeded: SeedResult | null = null;
  if (onPg) {
    config = { ...config, sessionSecret: onPg.sessionSecret };
    seeded = onPg.seeded;
  } else {
    migrateDatabase(database);
    // Without SESSION_SECRET (never in production) every process on this database signs with
    // the same generated secret, so a form or session from one server is good on another.
    if (!process.env.SESSION_SECRET) {
      const generated = config.sessionSecret;
      config = { ...config, sessionSecret: database.transaction((tx) => sharedSessionSecret(tx, generated, systemClock.now())) };
    }
    seeded = config.seedDemo && isDatabaseEmpty(database) ? await seedDemo(database, systemClock.now()) : null;
    // Some till history in the demo shops, so the dashboards and a first settlement have data.
    if (seeded) await seedDemoRedemptions(database, systemClock.now());
    // …and a brand, so the operator's settings show at first sight (db/seed/demo-brand.ts).
    if (seeded) seedDemoBrand(database, systemClock.now());
  }

  const payments = config.stripe ? new StripeProvider(config.stripe) : new DemoProvider(config.baseUrl);
  const transport = config.smtpUrl ? smtpTransport(config.smtpUrl) : fileTransport(join(config.dataDir, 'outbox'));
  // Mail is rendered at send time from the data (messages.ts): on PostgreSQL through its reads.
  const messages = { database, baseUrl: config.baseUrl, viewsDir: VIEWS_DIR, demo: payments.name === 'demo', operator: config.operator, ...(onPg ? { reads: pgMailReads(onPg.pg.pool) } : {}) };
  const outboxDeps = { database, clock: systemClock, logger, transport, from: config.mailFrom, messages };
  // On PostgreSQL the worker claims there (FOR UPDATE SKIP LOCKED, outbox-store-pg.ts).
  const worker = startOutboxWorker(onPg
    ? { outbox: pgUnits(onPg.pg, pgOutboxStore), clock: systemClock, logger, transport, from: config.mailFrom, render: (msg) => renderMessage(messages, msg) }
    : outboxDeps);
  // One Stripe transfer gateway for the weekly job and the operator's pages.
  const transfers = transferGateway(config.stripe);
  const jobs = startScheduledJobs({ config, database, pg: onPg?.pg ?? null, clock: systemClock, logger, kickOutbox: worker.kick, transfers });
  const app = createApp({ config, database, pg: onPg?.pg, clock: systemClock, logger, payments, kickOutbox: worker.kick, transfers });
  const server = app.listen(config.port, config.host, () => {
    const lines = [
      '',
      `  Bons d'achat locaux — ${config.baseUrl}`,
      // Links, QR codes, e-mails and payment returns use BASE_URL: opened under another name
      // (127.0.0.1 for localhost), pages work but the payment brings the buyer back to BASE_URL.
      `  open the site at ${config.baseUrl} (BASE_URL); another name for this server works, but payments and e-mailed links return to BASE_URL`,
      `  database: ${config.databaseUrl}   payments: ${payments.name === 'demo' ? 'DEMO provider (no STRIPE_SECRET_KEY)' : 'Stripe'}   mail: ${transport.kind === 'smtp' ? 'SMTP' : `files in ${join(config.dataDir, 'outbox')} (see /dev/outbox)`}`,
    ];
    if (seeded) {
      lines.push(`  demo data seeded: campaign « ${seeded.campaignName} » (${config.baseUrl}/campagnes/${seeded.campaignSlug}), ${seeded.merchantCount} partner shops`);
      lines.push(`  demo shop accounts (sign in at ${config.baseUrl}/connexion, till at ${config.baseUrl}/caisse):`);
      for (const u of seeded.shopUsers) lines.push(`    ${u.role.padEnd(5)}  ${u.email.padEnd(38)} ${u.password}   (${u.merchantSlug})`);
      lines.push(`  demo operator accounts (back-office at ${config.baseUrl}/operateur/connexion):`);
      for (const u of seeded.operatorUsers) lines.push(`    ${u.role.padEnd(6)} ${u.email.padEnd(38)} ${u.password}`);
      lines.push(`  demo POS API key for ${seeded.apiKey.merchantSlug} (shown once): ${seeded.apiKey.key}`);
    }
    console.log(lines.join('\n') + '\n');
  });
  server.on('error', (err) => {
    logger.fatal({ err }, 'cannot listen');
    process.exit(1);
  });
  const stop = () => {
    worker.stop();
    jobs.stop();
    server.close(() => {
      void (onPg ? onPg.pg.close() : database.close()).then(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
