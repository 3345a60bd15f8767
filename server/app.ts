import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import { engine } from 'express-handlebars';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Database_ } from '../db/client';
import type { Config } from './config';
import type { Clock } from './lib/clock';
import type { Logger } from './lib/logger';
import { DemoProvider } from './payments/demo-provider';
import { transferGateway } from './payments/stripe-transfers';
import type { TransferGateway } from './domain/settlements/payouts';
import type { PaymentProvider } from './payments/payment-provider';
import { apiRoutes } from './web/api/routes';
import { posRoutes, REDEMPTIONS_PATH } from './web/api/pos-routes';
import { answerBeforeRouter } from './web/before-router';
import { brandAssetRoutes, brandMiddleware } from './web/brand/routes';
import { operatorBrandRoutes } from './web/operator/brand-routes';
import { chain } from './web/middleware/chain';
import { apiHeaders, cookiesUnlessBearer } from './web/middleware/api-headers';
import type { AppContext } from './web/context';
import { demoRoutes } from './web/demo/routes';
import { devRoutes } from './web/dev/routes';
import { csrfProtection, withCsrfToken } from './web/middleware/csrf';
import { requestLog } from './web/middleware/request-log';
import { errorHandler, notFoundHandler, nulPathNotFound } from './web/middleware/errors';
import { localeMiddleware } from './web/middleware/locale';
import { defaultRateLimits, type RateLimitSettings } from './web/middleware/rate-limits';
import { securityHeaders } from './web/middleware/security';
import { publicPages, shopRoutes } from './web/shop/routes';
import { giftRoutes } from './web/gifts/routes';
import { applicationRoutes } from './web/shop/application-routes';
import { viewHelpers } from './web/view-helpers/index';
import { voucherRoutes } from './web/voucher/routes';
import { organisationRoutes } from './web/organisation/routes';
import { organisationOrderRoutes } from './web/organisation-order/routes';
import { webhookRoutes } from './web/webhooks/routes';
import { merchantAuthRoutes } from './web/merchant/auth-routes';
import { merchantShopRoutes } from './web/merchant/shop-routes';
import { merchantStatementRoutes } from './web/merchant/statements-routes';
import { sessionUser } from './web/middleware/auth';
import { operatorRoutes } from './web/operator/routes';
import { operatorCampaignFormRoutes } from './web/operator/campaigns-routes';
import { embedRoutes } from './web/embed/routes';
import { mediaRoutes } from './web/media/routes';
import { legalFooter, legalRoutes } from './web/legal/routes';
import { sqliteTill } from './domain/redemptions/redemptions-service';
import { postgresTill } from './domain/redemptions/till-postgres';
import type { PgDatabase } from '../db/postgres-pool';
import { pgUnits } from '../db/store-units';
import { pgRateLimitStore } from './domain/rate-limits/rate-limit-store-pg';
import { pgApiKeyStore } from './domain/merchants/api-key-store-pg';

export const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
export const VIEWS_DIR = join(ROOT, 'views');

const JSQR_PATH = createRequire(import.meta.url).resolve('jsqr/dist/jsQR.js');

export interface AppDeps {
  config: Config;
  database: Database_;
  clock: Clock;
  logger: Logger;
  payments: PaymentProvider;
  rateLimits?: Partial<RateLimitSettings>;
  kickOutbox?: () => void;
  /** The settlement's transfer gateway, shared with the weekly job (default: from config.stripe). */
  transfers?: TransferGateway | null;
  /**
   * The app runs on PostgreSQL (DATABASE_URL=postgres://…): its pool. `database` is then
   * `notOnPostgres()` (server/lib/not-on-postgres.ts): code not ported yet refuses with a 503.
   */
  pg?: PgDatabase;
}

/** Wires middleware, routes and views. Never listens: main.ts and tests do. */
export function createApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const https = config.baseUrl.startsWith('https://');
  const redemptionsDeps = { database: deps.database, clock: deps.clock, voidWindowMinutes: config.voidWindowMinutes };
  const ctx: AppContext = {
    ...deps,
    baseUrl: config.baseUrl,
    demo: deps.payments.name === 'demo',
    secureCookies: https,
    rateLimits: { ...defaultRateLimits, ...deps.rateLimits },
    orders: { database: deps.database, pg: deps.pg ?? null, clock: deps.clock, payments: deps.payments, baseUrl: config.baseUrl, logger, operator: config.operator },
    users: { database: deps.database, clock: deps.clock, pg: deps.pg },
    redemptions: redemptionsDeps,
    pg: deps.pg ?? null,
    till: deps.pg ? postgresTill(deps.pg, { clock: deps.clock, voidWindowMinutes: config.voidWindowMinutes }) : sqliteTill(redemptionsDeps),
    ...(deps.pg ? { rateLimitUnits: pgUnits(deps.pg, pgRateLimitStore), apiKeyUnits: pgUnits(deps.pg, pgApiKeyStore) } : {}),
    kickOutbox: deps.kickOutbox ?? (() => {}),
    outboxDir: join(config.dataDir, 'outbox'),
    withCsrf: withCsrfToken(config.sessionSecret, https),
    transfers: deps.transfers !== undefined ? deps.transfers : transferGateway(config.stripe),
  };

  const app = express();
  app.disable('x-powered-by');
  // Parsed and checked in loadConfig (a hop count, true/false or addresses): req.ip and the rate limits depend on it.
  app.set('trust proxy', config.trustProxy);
  app.engine('hbs', engine({ extname: '.hbs', defaultLayout: 'main', layoutsDir: join(VIEWS_DIR, 'layouts'), partialsDir: join(VIEWS_DIR, 'partials'), helpers: viewHelpers }));
  app.set('view engine', 'hbs');
  app.set('views', VIEWS_DIR);
  // Compiled templates are cached except while developing them.
  if (config.env !== 'development' || process.env.VIEW_CACHE === '1') app.enable('view cache');

  // Dynamic pages are not hashed for ETags (a cost on every hit); static files keep theirs.
  app.set('etag', false);
  const logRequests = requestLog(logger);
  const pos = posRoutes(ctx);
  const onError = errorHandler(logger);
  // An order without a key holds at most ANONYMOUS_ORDER_VOUCHERS (500 lines of at most
  // ~700 bytes): its body is read with a 512 KB limit, so nobody makes us parse megabytes.
  const anonymousOrderJson = express.json({ limit: '512kb', strict: true });
  const anonymousOrderBody: express.RequestHandler = (req, res, next) =>
    req.method === 'POST' && req.path.replace(/\/$/, '').toLowerCase() === '/v1/orders' && !req.headers.authorization ? anonymousOrderJson(req, res, next) : next();
  // The till's POST, spelled exactly, is answered before the router (and logs itself).
  answerBeforeRouter(app, { method: 'POST', url: REDEMPTIONS_PATH }, chain(logRequests, pos.redeem), onError);
  app.use(logRequests);
  app.use(nulPathNotFound);
  // The shops' POS routes first, each on its own lean lane (the till's POST is the hottest
  // path); then the rest of the JSON API: its own few headers, cookies parsed only for
  // session callers, no page middleware.
  pos.mount(app);
  app.use('/webhooks', webhookRoutes(ctx));
  app.use('/api', apiHeaders, cookiesUnlessBearer, localeMiddleware, anonymousOrderBody, express.json({ limit: '5mb', strict: true }));
  app.use('/api/v1', apiRoutes(ctx));
  app.use('/api', notFoundHandler);
  // The embeddable widget sets its own headers (frameable by other sites), so it comes before ours.
  app.use(embedRoutes(ctx));
  // BASE_URL's origin too: a page opened on another name of this server (127.0.0.1 for
  // localhost) posts to itself and is redirected to BASE_URL's checkout and order pages;
  // with 'self' alone the browser silently blocked that redirect (issue 15).
  const formTargets = [new URL(config.baseUrl).origin, ...(config.stripe?.apiBase ? [new URL(config.stripe.apiBase).origin] : [])];
  app.use(securityHeaders({ https, extraFormAction: formTargets, mapTileOrigin: config.mapTiles?.origin }));
  // Static files only under their prefixes, so page requests never touch the disk first.
  const staticOpts = { maxAge: config.env === 'production' ? '7d' : 0, index: false as const };
  for (const dir of ['css', 'js', 'img']) app.use(`/${dir}`, express.static(join(ROOT, 'public', dir), staticOpts));
  // The till decodes QR codes in the browser with jsQR, served from our own origin (CSP).
  app.use(mediaRoutes(ctx));
  app.use(brandAssetRoutes(ctx));
  app.get('/vendor/jsQR.js', (_req, res) => res.sendFile(JSQR_PATH, { maxAge: staticOpts.maxAge }));
  app.use(cookieParser());
  app.use(localeMiddleware);
  app.use((req, res, next) => {
    res.locals.demo = ctx.demo;
    res.locals.production = config.env === 'production';
    res.locals.currentPath = req.path;
    next();
  });

  app.get('/healthz', async (_req, res) => {
    if (deps.pg) await deps.pg.pool.query('SELECT 1');
    else deps.database.sqlite.prepare('SELECT 1').get();
    res.json({ status: 'ok' });
  });

  app.use(legalFooter(ctx));
  app.use(brandMiddleware(ctx));
  app.use(publicPages(ctx));
  app.use(legalRoutes(ctx));
  // Multipart form: before the urlencoded parser and global CSRF check, it checks its own token.
  app.use(organisationOrderRoutes(ctx));
  app.use(operatorCampaignFormRoutes(ctx));
  app.use(operatorBrandRoutes(ctx));


  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200 }));
  app.use(csrfProtection(config.sessionSecret));
  app.use(shopRoutes(ctx));
  app.use(giftRoutes(ctx));
  app.use(applicationRoutes(ctx));
  app.use(voucherRoutes(ctx));
  app.use(organisationRoutes(ctx));
  app.use(sessionUser(ctx));
  app.use(merchantAuthRoutes(ctx));
  app.use(merchantShopRoutes(ctx));
  app.use(merchantStatementRoutes(ctx));
  app.use(operatorRoutes(ctx));
  if (deps.payments instanceof DemoProvider) app.use(demoRoutes(ctx, deps.payments));
  if (config.env !== 'production') app.use(devRoutes(ctx));

  app.use(notFoundHandler);
  app.use(onError);
  return app;
}
