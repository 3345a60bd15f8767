/**
 * When a daily job next runs: a wall-clock time in Europe/Paris, computed from an instant
 * (the injected clock's "now"), so the job follows the French day across DST changes
 * instead of drifting by an hour twice a year. Pure; no date library.
 */
import { addDays, parisDate, parisWallTime } from '../lib/paris-time';

/** The first `hour:minute` Paris time strictly after `now`. */
export function nextDailyRun(now: Date, hour: number, minute = 0): Date {
  const today = parisWallTime(parisDate(now), hour, minute);
  return today.getTime() > now.getTime() ? today : parisWallTime(addDays(parisDate(now), 1), hour, minute);
}

/** The last `hour:minute` Paris time at or before `now`: the planned run a server starting now catches up on. */
export function lastDailyRun(now: Date, hour: number, minute = 0): Date {
  const today = parisWallTime(parisDate(now), hour, minute);
  return today.getTime() <= now.getTime() ? today : parisWallTime(addDays(parisDate(now), -1), hour, minute);
}
