import type { Logger } from '../lib/logger';
import { addDays, isoWeekday, parisDate } from '../lib/paris-time';
import { runSettlement, type RunCore, type RunDeps } from '../domain/settlements/run-settlement';
import { nextDailyRun } from './daily-schedule';
import { runRecurring } from './recurring';
import { onceAcrossServers, type OnceDeps } from './run-once';

export const SETTLEMENT_HOUR = 5;

/** The next `weekday` at 05:00 Paris strictly after `now`: the first such daily run. */
export function nextWeeklyRun(now: Date, weekday: number): Date {
  let at = nextDailyRun(now, SETTLEMENT_HOUR);
  for (let days = 1; isoWeekday(parisDate(at)) !== weekday; days++) {
    if (days > 7) throw new Error(`not an ISO weekday: ${weekday}`);
    at = nextDailyRun(at, SETTLEMENT_HOUR);
  }
  return at;
}

/** The week's run settles everything up to the day before (e.g. Monday → up to Sunday). */
export const settlementUntil = (runAt: Date) => addDays(parisDate(runAt), -1);

export const WEEKLY_SETTLEMENT_JOB = 'weekly-settlement';

/**
 * The automatic weekly settlement. The run is the same as `cli settle` (exactly once,
 * resumable), and each week's run is taken by one server process only
 * (`onceAcrossServers`, job `weekly-settlement`): the others neither build a batch nor
 * write SEPA files to their own disks nor call Stripe for it. A server that dies mid-run is
 * taken over once its lease runs out; the run resumes what it left. Errors are logged;
 * next week's run still happens.
 */
export function startWeeklySettlement(deps: (RunDeps | (RunCore & Pick<OnceDeps, 'leases'>)) & { logger: Logger } & Pick<OnceDeps, 'holder' | 'leaseMs'>, weekday: number): { stop: () => void } {
  const job = onceAcrossServers(deps, WEEKLY_SETTLEMENT_JOB, async (at) => {
    try {
      const r = await runSettlement(deps, { until: settlementUntil(at), actor: 'system:weekly-settlement' });
      deps.logger.info({ batch: r.batch?.reference ?? null, created: r.created, statements: r.batch?.statements.length ?? 0, holds: r.holds.length, sepaHeld: r.sepaHeld.length, stripe: r.stripe }, 'weekly settlement');
    } catch (err) {
      deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'weekly settlement failed');
    }
  });
  const weekly = runRecurring(deps.clock, (after) => nextWeeklyRun(after, weekday), job.run);
  return {
    stop: () => {
      weekly.stop();
      job.stop();
    },
  };
}
