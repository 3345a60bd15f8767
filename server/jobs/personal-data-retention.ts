import type { Database_ } from '../../db/client';
import type { PgDatabase } from '../../db/postgres-pool';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { runRetention } from '../domain/privacy/retention-service';
import { lastDailyRun, nextDailyRun } from './daily-schedule';
import { onceAcrossServers, type OnceDeps } from './run-once';
import { runRecurring } from './recurring';

export const RETENTION_RUN_HOUR = 3;
export const RETENTION_JOB = 'personal-data-retention';

/**
 * Personal data of campaigns past their retention erased every day at 03:00 Europe/Paris
 * (after the 02:00 expiry, which may end a campaign's last vouchers), and once at start for
 * the last 03:00 that passed. Each planned run is taken by one server process only (job
 * `personal-data-retention`, server/jobs/run-once.ts: the lease in `database`, or in `leases`
 * on PostgreSQL); the run itself is idempotent (a campaign done is marked in the unit of work
 * that erases it). On PostgreSQL (`pg`) the erasure runs on the pool. Errors are logged, never thrown.
 */
export function startPersonalDataRetention(deps: { database: Database_; pg?: PgDatabase | null; clock: Clock; logger: Logger } & Pick<OnceDeps, 'holder' | 'leaseMs' | 'leases'>): { stop: () => void } {
  const job = onceAcrossServers(deps, RETENTION_JOB, async () => {
    const r = await runRetention(deps);
    for (const c of r.campaigns) deps.logger.info(c, 'campaign personal data erased (retention)');
  });
  const atStart = setImmediate(() => void job.run(lastDailyRun(deps.clock.now(), RETENTION_RUN_HOUR))).unref();
  const daily = runRecurring(deps.clock, (after) => nextDailyRun(after, RETENTION_RUN_HOUR), job.run);
  return {
    stop: () => {
      clearImmediate(atStart);
      daily.stop();
      job.stop();
    },
  };
}
