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
