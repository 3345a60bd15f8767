const formatters = new Map<string, Intl.DateTimeFormat>();

/** "23 novembre 2027" / "23 November 2027", Paris calendar. Formatters are built once. */
export function formatLongDate(iso: string, locale: string): string {
  const tag = locale === 'en' ? 'en-GB' : 'fr-FR';
  let f = formatters.get(tag);
  if (!f) {
    f = new Intl.DateTimeFormat(tag, { timeZone: 'Europe/Paris', dateStyle: 'long' });
    formatters.set(tag, f);
  }
  return f.format(new Date(iso));
}

const stamps = new Map<string, Intl.DateTimeFormat>();

/** « 23/11/2026 14:05 » in Paris time (null stays null); formatters are built once per locale. */
export function formatStamp(iso: string, locale: string): string;
export function formatStamp(iso: string | null, locale: string): string | null;
export function formatStamp(iso: string | null, locale: string): string | null {
  if (!iso) return null;
  const tag = locale === 'en' ? 'en-GB' : 'fr-FR';
  let f = stamps.get(tag);
  if (!f) stamps.set(tag, (f = new Intl.DateTimeFormat(tag, { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' })));
  return f.format(new Date(iso));
}

const longStamps = new Map<string, Intl.DateTimeFormat>();

/** « 6 décembre 2026 à 23:48 » / « 6 December 2026 at 23:48 », Paris time: what people read on a page. */
export function formatLongStamp(iso: string, locale: string): string {
  const tag = locale === 'en' ? 'en-GB' : 'fr-FR';
  let f = longStamps.get(tag);
  if (!f) longStamps.set(tag, (f = new Intl.DateTimeFormat(tag, { timeZone: 'Europe/Paris', dateStyle: 'long', timeStyle: 'short' })));
  return f.format(new Date(iso));
}

const calendarDays = new Map<string, Intl.DateTimeFormat>();

/**
 * A period of calendar days (« 2026-11-08 », « 2026-12-07 ») as « 8 novembre – 7 décembre 2026 »:
 * Intl's range format leaves out what both ends share. Noon UTC keeps each day on its date.
 */
export function formatDayRange(from: string, to: string, locale: string): string {
  const tag = locale === 'en' ? 'en-GB' : 'fr-FR';
  let f = calendarDays.get(tag);
  if (!f) calendarDays.set(tag, (f = new Intl.DateTimeFormat(tag, { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' })));
  const [a, b] = [new Date(`${from}T12:00:00Z`), new Date(`${to}T12:00:00Z`)];
  return from === to ? f.format(a) : f.formatRange(a, b);
}
