import { z } from 'zod';
import { AppError } from './errors';

/**
 * The one strict reader of dates typed by people and programs (query strings, forms, API
 * bodies, CLI options). A date is a real calendar day written YYYY-MM-DD (2026-02-30,
 * 2026-99-99 and 0000-00-00 are refused, never rolled over) inside a sane range: the
 * Paris-time helpers (paris-time.ts) and Date are only ever handed days they can compute
 * with — 9999-12-31 plus one day is no longer a four-digit year and made them throw.
 */
export const FIRST_DAY = '2000-01-01';
export const LAST_DAY = '2100-12-31';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** An instant with its offset, as ISO 8601 writes it (seconds and milliseconds optional). */
const INSTANT = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-](0\d|1[0-4]):[0-5]\d)$/;

export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DAY.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  // Date.UTC rolls 02-30 over to March: the day exists only if it comes back unchanged.
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && value >= FIRST_DAY && value <= LAST_DAY;
}

/** An ISO 8601 instant with offset whose written day is a real calendar date in range. */
export function isInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = INSTANT.exec(value);
  return !!m && isCalendarDate(m[1]) && !Number.isNaN(Date.parse(value));
}

/** zod: a calendar date (message key errors.date, as the forms and the API show it). */
export const calendarDate = z.string({ message: 'errors.date' }).refine(isCalendarDate, { message: 'errors.date' });
/** zod: an ISO 8601 instant with offset, in the same range. */
export const instant = z.string({ message: 'errors.date' }).refine(isInstant, { message: 'errors.date' });
/** zod: an optional date filter; an empty field (a blank date input) means no filter. */
export const optionalCalendarDate = z.preprocess((v) => (v === '' ? undefined : v), calendarDate.optional());

const periodSchema = z.object({ from: optionalCalendarDate, to: optionalCalendarDate });

/**
 * `from`/`to` of a query string for pages and downloads that must not guess: a bad date is
 * a 422 VALIDATION_FAILED naming the field (JSON under /api, a page elsewhere).
 */
export function parsePeriod(query: unknown): { from?: string; to?: string } {
  const parsed = periodSchema.safeParse(query ?? {});
  if (parsed.success) return parsed.data;
  throw new AppError('VALIDATION_FAILED', 422, 'errors.date', Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), 'errors.date'])));
}
