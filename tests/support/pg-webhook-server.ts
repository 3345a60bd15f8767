/**
 * A webhook server process on PostgreSQL, for the multi-process tests: the production Stripe
 * webhook handler (webhooks/routes.ts `stripeWebhookHandler`: raw body, signature check with
 * the webhook secret, event shape, response codes, the error handler) with the PostgreSQL
 * backend (payment-events-postgres.ts) on its own pool. The rest of the app is still SQLite.
 *   PG_URL=postgres://… STRIPE_WEBHOOK_SECRET=whsec_… node --import tsx tests/support/pg-webhook-server.ts
 *   → prints "listening <port>"
 */
import express, { Router } from 'express';
import { openPostgresPool } from '../../db/postgres-pool';
import { systemClock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { StripeProvider } from '../../server/payments/stripe-provider';
import { errorHandler } from '../../server/web/middleware/errors';
import { postgresWebhookBackend, STRIPE_WEBHOOK_PATH, stripeWebhookHandler } from '../../server/web/webhooks/routes';

const pg = openPostgresPool(process.env.PG_URL!, { max: Number(process.env.PG_POOL ?? 10) });
const logger = createLogger('silent');
// The secret key is never used here: the webhook only verifies signatures.
const payments = new StripeProvider({ secretKey: 'sk_test_webhook_only', webhookSecret: process.env.STRIPE_WEBHOOK_SECRET! });
const webhooks = Router();
webhooks.post(STRIPE_WEBHOOK_PATH, ...stripeWebhookHandler({ payments, backend: postgresWebhookBackend(pg, { clock: systemClock, logger }), kickOutbox: () => {} }));
const app = express();
app.use('/webhooks', webhooks);
app.use(errorHandler(logger));
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => void pg.close().then(() => process.exit(0))));
