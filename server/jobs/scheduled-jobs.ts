import type { Database_ } from '../../db/client';
import type { PgDatabase } from '../../db/postgres-pool';
import type { Config } from '../config';
import type { TransferGateway } from '../domain/settlements/payouts';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { startDailyExpiry } from './daily-expiry';
import { sqliteSweep, startMaintenanceSweep } from './maintenance-sweep';
import { pgUnits } from '../../db/store-units';
import { pgJobLeaseStore } from './job-lease-store-pg';
import { pgSettlementUnits } from '../domain/settlements/settlement-store-pg';
import { pgSessionStore } from '../domain/sessions/sessions-store-pg';
import { startPersonalDataRetention } from './personal-data-retention';
import { startIssuingResumer } from './resume-issuing';
import { startWeeklySettlement } from './weekly-settlement';
import { cancelAbandonedOrdersOnPostgres } from '../domain/orders/abandoned-orders';
import { resumeIssuingPostgres } from '../domain/orders/payment-events-postgres';

export interface ScheduledJobsDeps {
  config: Config;
  database: Database_;
  pg: PgDatabase | null;
  clock: Clock;
  logger: Logger;
  kickOutbox: () => void;
  transfers: TransferGateway | null;
}

/**
 * Every process keeps the timers; each planned run starts once across all servers
 * (server/jobs/run-once.ts: a lease row per job and slot).
 */
export function startScheduledJobs(deps: ScheduledJobsDeps): { stop: () => void } {
  if (deps.pg) return startOnPostgres({ ...deps, pg: deps.pg });
  const { config, database, clock, logger, kickOutbox, transfers } = deps;
  // Voucher expiry and expiry reminders: now, then daily at 02:00 Paris (daily-expiry.ts).
  const expiryJob = startDailyExpiry({ database, clock, logger, kickOutbox });
  // Large orders left half-issued by a stopped process are completed (resume-issuing.ts).
  const issuingResumer = startIssuingResumer({ database, clock, logger, kickOutbox });
  // Settlement every week (SETTLEMENT_WEEKDAY, default Monday) at 05:00 Paris, up to the day before.
  const settlementJob = config.settlementWeekday === null ? null : startWeeklySettlement({
    database, clock, logger, voidWindowMinutes: config.voidWindowMinutes, operator: config.operator, dataDir: config.dataDir, transfers,
  }, config.settlementWeekday);
  // Maintenance every 10 minutes: abandoned orders cancelled, expired sessions removed.
  const sweep = startMaintenanceSweep({ database, clock, logger, sweep: (now) => sqliteSweep(database, now) });
  // Personal data of campaigns past their retention erased daily at 03:00 Paris (docs/personal-data.md).
  const retentionJob = startPersonalDataRetention({ database, clock, logger });
  return stopsAll(expiryJob, issuingResumer, settlementJob, sweep, retentionJob);
}

/** One stop for the jobs a backend started (a null job is one its configuration left off). */
function stopsAll(...jobs: ({ stop: () => void } | null)[]): { stop: () => void } {
  return { stop: () => jobs.forEach((job) => job?.stop()) };
}

/**
 * On PostgreSQL: the same schedules, their leases in PostgreSQL's `job_leases` (so each
 * planned run starts once across every server), the services on the pool. Voucher expiry and
 * the weekly settlement are the same Steps as on SQLite (expiry-store-pg.ts,
 * settlement-store-pg.ts); the sweep removes expired sessions there; the personal-data
 * retention runs on the pool (personal-data-store.ts).
 */
function startOnPostgres(deps: ScheduledJobsDeps & { pg: PgDatabase }): { stop: () => void } {
  const { config, database, pg, clock, logger, kickOutbox, transfers } = deps;
  const leases = pgUnits(pg, pgJobLeaseStore);
  const expiryJob = startDailyExpiry({ postgres: pg, leases, clock, logger, kickOutbox });
  const settlementJob = config.settlementWeekday === null ? null : startWeeklySettlement({
    units: pgSettlementUnits(pg), leases, clock, logger, voidWindowMinutes: config.voidWindowMinutes, operator: config.operator, dataDir: config.dataDir, transfers,
  }, config.settlementWeekday);
  const sessions = pgUnits(pg, pgSessionStore);
  const sweep = startMaintenanceSweep({
    leases, clock, logger,
    sweep: async (now) => {
      await sessions((store) => store.deleteExpired(now.toISOString()));
      return cancelAbandonedOrdersOnPostgres(pg, now);
    },
  });
  const issuingResumer = startIssuingResumer({ resume: () => resumeIssuingPostgres(pg, { clock }), logger, kickOutbox });
  // Personal data past their campaign's retention: the same service on the pool (retention-store-pg.ts).
  const retentionJob = startPersonalDataRetention({ database, pg, leases, clock, logger });
  return stopsAll(expiryJob, issuingResumer, settlementJob, sweep, retentionJob);
}
