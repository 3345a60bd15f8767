import { z } from 'zod';
import { parisWeekdayMinute } from '../../lib/paris-time';

/**
 * A shop's weekly opening hours: slots of Paris wall-clock time, minutes since midnight.
 * A slot closes after it opens and never runs past midnight: « 18:00–02:00 » is refused
 * with a message asking for two slots (18:00–00:00 that day, 00:00–02:00 the next). A
 * closing time of 00:00 (or 24:00) means midnight at the end of the day (1440).
 */
export type OpeningSlot = { weekday: number; opensMinute: number; closesMinute: number };

export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
/** Slots per day in the form: morning and afternoon (or lunch and dinner) cover French shops. */
export const SLOTS_PER_DAY = 2;

/** « 9:30 », « 09:30 », « 9h30 », « 9h » → minutes; anything else is not a time. */
const timeText = z
  .string()
  .trim()
  .regex(/^([01]?\d|2[0-4])\s*[:hH]\s*([0-5]\d)?$/, { message: 'hours.errors.time' })
  .transform((s) => {
    const [, h, m] = /^(\d{1,2})\s*[:hH]\s*(\d{2})?$/.exec(s)!;
    return Number(h) * 60 + Number(m ?? 0);
  })
  .refine((n) => n <= 1440, { message: 'hours.errors.time' });

const slotSchema = z
  .object({ opens: timeText, closes: timeText })
  .refine((s) => s.opens < 1440, { message: 'hours.errors.time', path: ['opens'] })
  // 00:00 as a closing time is midnight at the end of the day.
  .transform((s) => ({ opensMinute: s.opens, closesMinute: s.closes === 0 ? 1440 : s.closes }))
  .refine((s) => s.closesMinute > s.opensMinute, { message: 'hours.errors.order', path: ['closes'] });

export const fieldName = (weekday: number, slot: number, end: 'opens' | 'closes') => `h${weekday}_${slot}_${end}`;

export type HoursFormValues = Record<string, string>;
export type HoursForm = { values: HoursFormValues; errors: Record<string, string>; input?: OpeningSlot[] };

/**
 * Reads the weekly form (fields h<weekday>_<slot>_opens / _closes): a slot with both times
 * empty is no slot; one time without the other, a time that is not one, a slot closing
 * before it opens or overlapping another slot of the day is an error on its field, and
 * nothing is returned to save.
 */
export function parseHoursForm(body: Record<string, unknown>): HoursForm {
  const values: HoursFormValues = {};
  const errors: Record<string, string> = {};
  const slots: OpeningSlot[] = [];
  for (const weekday of WEEKDAYS) {
    const day: OpeningSlot[] = [];
    for (let i = 0; i < SLOTS_PER_DAY; i++) {
      const o = fieldName(weekday, i, 'opens');
      const c = fieldName(weekday, i, 'closes');
      const opens = typeof body[o] === 'string' ? (body[o] as string).slice(0, 10) : '';
      const closes = typeof body[c] === 'string' ? (body[c] as string).slice(0, 10) : '';
      values[o] = opens;
      values[c] = closes;
      if (!opens.trim() && !closes.trim()) continue;
      if (!opens.trim() || !closes.trim()) {
        errors[opens.trim() ? c : o] = 'hours.errors.half';
        continue;
      }
      const parsed = slotSchema.safeParse({ opens, closes });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        errors[issue.path[0] === 'opens' ? o : c] = issue.message;
        continue;
      }
      const overlap = day.find((s) => parsed.data.opensMinute < s.closesMinute && s.opensMinute < parsed.data.closesMinute);
      if (overlap) {
        errors[o] = 'hours.errors.overlap';
        continue;
      }
      day.push({ weekday, ...parsed.data });
    }
    slots.push(...day.sort((a, b) => a.opensMinute - b.opensMinute));
  }
  return Object.keys(errors).length ? { values, errors } : { values, errors, input: slots };
}

/** The form's values for saved slots. */
export function hoursFormValues(slots: readonly OpeningSlot[]): HoursFormValues {
  const values: HoursFormValues = {};
  for (const weekday of WEEKDAYS) {
    slots
      .filter((s) => s.weekday === weekday)
      .slice(0, SLOTS_PER_DAY)
      .forEach((s, i) => {
        values[fieldName(weekday, i, 'opens')] = formatMinute(s.opensMinute);
        values[fieldName(weekday, i, 'closes')] = formatMinute(s.closesMinute === 1440 ? 0 : s.closesMinute);
      });
  }
  return values;
}

/** 570 → « 09:30 »; 1440 (midnight at the end of the day) → « 24:00 ». */
export function formatMinute(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

export type OpenState = { open: false } | { open: true; closesMinute: number };

/**
 * Is the shop open at `now`? Pure: the Paris weekday and wall-clock minute of `now` (read
 * from Intl, so DST days need nothing special: at 03:30 on the spring change the clock
 * says 03:30) against the slots, each open from its first minute up to, not including,
 * its closing minute. A shop without slots is never « open now » (unknown is not open).
 * When it is open, `closesMinute` is the end of the slot it is in.
 */
export function openAt(slots: readonly OpeningSlot[], now: Date): OpenState {
  const { weekday, minute } = parisWeekdayMinute(now);
  const slot = slots.find((s) => s.weekday === weekday && s.opensMinute <= minute && minute < s.closesMinute);
  return slot ? { open: true, closesMinute: slot.closesMinute } : { open: false };
}
