import type { Logger } from '../lib/logger';
import { addDays, parisDate } from '../lib/paris-time';
import { runSettlement, type RunDeps } from '../domain/settlements/run-settlement';
import { parisWallTime } from '../lib/paris-time';

export const SETTLEMENT_HOUR = 5;

/** ISO weekday (1 = Monday … 7 = Sunday) of a Paris calendar date. */
const isoWeekday = (date: string) => ((new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7) + 1;

/** The next `weekday` at 05:00 Paris strictly after `now` (DST-safe through parisWallTime). */
export function nextWeeklyRun(now: Date, weekday: number): Date {
  let date = parisDate(now);
  for (let i = 0; i < 8; i++, date = addDays(date, 1)) {
    if (isoWeekday(date) !== weekday) continue;
    const at = parisWallTime(date, SETTLEMENT_HOUR);
    if (at.getTime() > now.getTime()) return at;
  }
  throw new Error('unreachable: a weekday comes back within 8 days');
}

/** The week's run settles everything up to the day before (e.g. Monday → up to Sunday). */
export const settlementUntil = (runAt: Date) => addDays(parisDate(runAt), -1);

/**
 * The automatic weekly settlement. The run is the same as `cli settle` (exactly once,
 * resumable), so a server restarted mid-run, or a second server doing the same, is
 * harmless: the second finds nothing new. Errors are logged; next week's run still happens.
 */
export function startWeeklySettlement(deps: RunDeps & { logger: Logger }, weekday: number): { stop: () => void } {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const schedule = (after: Date) => {
    if (stopped) return;
    const at = nextWeeklyRun(after, weekday);
    timer = setTimeout(async () => {
      try {
        const r = await runSettlement(deps, { until: settlementUntil(at), actor: 'system:weekly-settlement' });
        deps.logger.info({ batch: r.batch?.reference ?? null, created: r.created, statements: r.batch?.statements.length ?? 0, holds: r.holds.length, stripe: r.stripe }, 'weekly settlement');
      } catch (err) {
        deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'weekly settlement failed');
      }
      schedule(new Date(Math.max(deps.clock.now().getTime(), at.getTime())));
    }, Math.max(0, at.getTime() - deps.clock.now().getTime()));
    timer.unref();
  };
  schedule(deps.clock.now());
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
