/**
 * When a daily job next runs: a wall-clock time in Europe/Paris, computed from an instant
 * (the injected clock's "now"), so the job follows the French day across DST changes
 * instead of drifting by an hour twice a year. Pure; no date library.
 */
import { addDays, parisDate } from '../lib/paris-time';

const wall = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** Paris offset from UTC at an instant, in ms (3 600 000 in winter, 7 200 000 in summer). */
function parisOffsetMs(instantMs: number): number {
  const p = Object.fromEntries(wall.formatToParts(new Date(instantMs)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant Paris clocks show `hour:minute` on `date` (YYYY-MM-DD). On the autumn change
 * a time between 02:00 and 03:00 happens twice: this gives the second (after the change);
 * in spring 02:00–03:00 does not exist: this gives the same number of minutes past 03:00
 * (02:00 → 03:00 CEST), the first instant the job can run that day.
 */
export function parisWallTime(date: string, hour: number, minute = 0): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const local = Date.UTC(y, m - 1, d, hour, minute);
  const guess = local - parisOffsetMs(local);
  return new Date(local - parisOffsetMs(guess));
}

/** The first `hour:minute` Paris time strictly after `now`. */
export function nextDailyRun(now: Date, hour: number, minute = 0): Date {
  const today = parisWallTime(parisDate(now), hour, minute);
  return today.getTime() > now.getTime() ? today : parisWallTime(addDays(parisDate(now), 1), hour, minute);
}
