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
