/**
 * Calendar arithmetic in Europe/Paris without a date library: the offset of a given
 * instant is read from Intl, which knows the DST rules.
 */
const parts = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** The Paris calendar date (YYYY-MM-DD) of an instant. */
export function parisDate(instant: Date): string {
  const p = Object.fromEntries(parts.formatToParts(instant).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

function offsetMs(instant: Date): number {
  const p = Object.fromEntries(parts.formatToParts(instant).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant Paris clocks show `hour:minute` on `date` (YYYY-MM-DD). The offset is read at
 * the wall time taken as UTC, then once more at that guess: one refinement is enough. On
 * the autumn change a time between 02:00 and 03:00 happens twice: this gives the second
 * (after the change); in spring 02:00–03:00 does not exist: this gives the same number of
 * minutes past 03:00.
 */
export function parisWallTime(date: string, hour: number, minute = 0): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const local = Date.UTC(y, m - 1, d, hour, minute);
  const guess = local - offsetMs(new Date(local));
  return new Date(local - offsetMs(new Date(guess)));
}

/** The first millisecond of a Paris calendar day (midnight never falls in a DST gap in Paris). */
export function startOfParisDay(date: string): Date {
  return parisWallTime(date, 0);
}

/** The last millisecond of a Paris calendar day, as an instant. */
export function endOfParisDay(date: string): Date {
  return new Date(startOfParisDay(addDays(date, 1)).getTime() - 1);
}

/** Adds calendar days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a YYYY-MM-DD calendar date. */
export function isoWeekday(date: string): number {
  return ((new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7) + 1;
}

/** « 2026-11-16 10:00:00 »: an instant as Paris wall-clock time, for exports read by people. */
export function parisDateTime(instant: Date | string): string {
  const p = Object.fromEntries(parts.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** The Paris ISO weekday (1 = Monday … 7 = Sunday) and wall-clock minute of the day (0–1439) of an instant. */
export function parisWeekdayMinute(instant: Date): { weekday: number; minute: number } {
  const p = Object.fromEntries(parts.formatToParts(instant).map((x) => [x.type, x.value]));
  return { weekday: isoWeekday(`${p.year}-${p.month}-${p.day}`), minute: Number(p.hour) * 60 + Number(p.minute) };
}
