import type { Database_ } from '../../db/client';
import type { PgDatabase } from '../../db/postgres-pool';
import type { Config } from '../config';
import type { TransferGateway } from '../domain/settlements/payouts';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { startDailyExpiry } from './daily-expiry';
import { startMaintenanceSweep } from './maintenance-sweep';
import { startPersonalDataRetention } from './personal-data-retention';
import { startIssuingResumer } from './resume-issuing';
import { startWeeklySettlement } from './weekly-settlement';

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
  if (deps.pg) return startOnPostgres(deps);
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
  const sweep = startMaintenanceSweep({ database, clock, logger });
  // Personal data of campaigns past their retention erased daily at 03:00 Paris (docs/personal-data.md).
  const retentionJob = startPersonalDataRetention({ database, clock, logger });
  return {
    stop: () => {
      expiryJob.stop();
      issuingResumer.stop();
      settlementJob?.stop();
      sweep.stop();
      retentionJob.stop();
    },
  };
}

/** On PostgreSQL: the jobs whose services run there; the others are named at start-up. */
function startOnPostgres(deps: ScheduledJobsDeps): { stop: () => void } {
  deps.logger.warn({ jobs: ['daily-expiry', 'resume-issuing', 'weekly-settlement', 'maintenance-sweep', 'personal-data-retention'] }, 'scheduled jobs not on PostgreSQL yet: run them from the CLI (expire, settle)');
  return { stop: () => {} };
}
