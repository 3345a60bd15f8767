import type { TransferGateway } from '../domain/settlements/payouts';
import type { RequestHandler } from 'express';
import type { Database_ } from '../../db/client';
import type { Units } from '../../db/store-units';
import type { PgDatabase } from '../../db/postgres-pool';
import type { ApiKeyStore } from '../domain/merchants/api-key-store';
import type { RateLimitStore } from '../domain/rate-limits/rate-limit-store';
import type { Config } from '../config';
import type { OrdersDeps } from '../domain/orders/orders-service';
import type { UsersDeps } from '../domain/merchants/merchant-users-service';
import type { RedemptionsDeps, Till } from '../domain/redemptions/redemptions-service';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { PaymentProvider } from '../payments/payment-provider';
import type { RateLimitSettings } from './middleware/rate-limits';

/** Everything routes need, built once by createApp. Routes never reach for globals. */
export interface AppContext {
  config: Config;
  /** The embedded SQLite database; on PostgreSQL a guard that refuses (server/lib/not-on-postgres.ts). */
  database: Database_;
  /** The PostgreSQL pool when the app runs there (DATABASE_URL=postgres://…), else null. Runners: web/backend-units.ts. */
  pg: PgDatabase | null;
  clock: Clock;
  logger: Logger;
  payments: PaymentProvider;
  baseUrl: string;
  demo: boolean;
  secureCookies: boolean;
  rateLimits: RateLimitSettings;
  /** Where the rate-limit counters live when not in `database` (PostgreSQL: pgUnits(pool, pgRateLimitStore)); see db/store-units.ts. */
  rateLimitUnits?: Units<RateLimitStore>;
  /** Where API keys (their lookup, "last used", failed-lookup counts) live when not in `database` (PostgreSQL: pgUnits(pool, pgApiKeyStore)). */
  apiKeyUnits?: Units<ApiKeyStore>;
  orders: OrdersDeps;
  users: UsersDeps;
  redemptions: RedemptionsDeps;
  /** The till's money paths (redemption, void) on this app's backend (sqliteTill today; postgresTill on PostgreSQL). */
  till: Till;
  /** Asks the outbox worker for an early pass after something enqueued mail. */
  kickOutbox: () => void;
  outboxDir: string;
  /** Add to routes that render a form: issues the CSRF cookie and token. */
  withCsrf: RequestHandler;
  /** Stripe Connect transfers for settlements (null: SEPA only). */
  transfers: TransferGateway | null;
}
