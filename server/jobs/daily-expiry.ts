import type { Database_ } from '../../db/client';
import type { PgDatabase } from '../../db/postgres-pool';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { remindExpiringVouchers } from '../domain/vouchers/expiry-reminders';
import { remindExpiringVouchersOnPostgres } from '../domain/vouchers/expiry-reminders-pg';
import { expireVouchers } from '../domain/vouchers/expiry-service';
import { lastDailyRun, nextDailyRun } from './daily-schedule';
import { onceAcrossServers, type OnceDeps } from './run-once';
import { runRecurring } from './recurring';

/**
 * Voucher expiry and expiry reminders, once when the server starts (catching up on days it
 * was down) and then every day at 02:00 Europe/Paris — after midnight, so the vouchers
 * whose last day just ended expire, and at an hour when the till is quiet. Both steps are
 * idempotent, so a run that overlaps `cli expire` is harmless; with several server
 * processes, each planned run is taken by one of them (server/jobs/run-once.ts).
 * Errors are logged and the next day's run still happens: the server never crashes here.
 */
export interface DailyExpiryDeps {
  /** The SQLite file; or, on PostgreSQL, `postgres` (expiry-service.ts runs on either). */
  database?: Database_;
  postgres?: PgDatabase;
  clock: Clock;
  logger: Logger;
  /** Asks the outbox worker to send the reminders now rather than at its next poll. */
  kickOutbox?: () => void;
}

export const DAILY_RUN_HOUR = 2;
export const DAILY_EXPIRY_JOB = 'daily-expiry';

export async function runDailyExpiry(deps: DailyExpiryDeps): Promise<void> {
  const started = Date.now();
  try {
    const expired = await expireVouchers(deps);
    if (expired.vouchers) deps.logger.info({ vouchers: expired.vouchers, cents: expired.cents, byCampaign: expired.byCampaign.map((c) => ({ campaign: c.slug, vouchers: c.vouchers, cents: c.cents, rule: c.rule })) }, 'vouchers expired');
  } catch (err) {
    deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'voucher expiry failed');
  }
  const { database, postgres } = deps;
  try {
    // The same rule on either backend (expiry-reminders.ts, expiry-reminders-pg.ts).
    const reminded = postgres ? await remindExpiringVouchersOnPostgres(postgres, deps.clock.now()) : remindExpiringVouchers({ ...deps, database: database! });
    if (reminded.vouchers) {
      deps.logger.info({ vouchers: reminded.vouchers }, 'expiry reminders queued');
      deps.kickOutbox?.();
    }
  } catch (err) {
    deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'expiry reminders failed');
  }
  deps.logger.debug({ ms: Date.now() - started }, 'daily expiry done');
}

/**
 * Starts the schedule; `stop()` cancels what has not started. The catch-up run (for the
 * last 02:00 that passed) waits for the next turn of the event loop, so start-up (the
 * server starting to listen) is not held up by it. Each planned run is taken by one
 * server process only (`onceAcrossServers`, job `daily-expiry`): a server starting after
 * another already ran that day's expiry skips it. The timers never keep the process alive.
 */
export function startDailyExpiry(deps: DailyExpiryDeps & Pick<OnceDeps, 'leases' | 'holder' | 'leaseMs'>): { stop: () => void } {
  const job = onceAcrossServers(deps, DAILY_EXPIRY_JOB, () => runDailyExpiry(deps));
  const atStart = setImmediate(() => void job.run(lastDailyRun(deps.clock.now(), DAILY_RUN_HOUR))).unref();
  const daily = runRecurring(deps.clock, (after) => nextDailyRun(after, DAILY_RUN_HOUR), job.run);
  return {
    stop: () => {
      clearImmediate(atStart);
      daily.stop();
      job.stop();
    },
  };
}
