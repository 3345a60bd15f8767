import type { HelperOptions } from 'handlebars';
import { categoryLabel, translateForPage } from '../../lib/i18n';
import { formatMoney, formatMoneyShort } from '../../lib/money';
import { formatDayRange } from '../../lib/dates';

const localeOf = (options: HelperOptions): string => (options?.data?.root?.locale as string) ?? 'fr';

/** View helpers stay tiny: translation and money formatting at the edge, nothing else. */
export const viewHelpers = {
  t(key: string, options: HelperOptions) {
    return translateForPage(localeOf(options), key, options.hash);
  },
  money(amount: number, options: HelperOptions) {
    return formatMoney(amount, localeOf(options));
  },
  moneyShort(amount: number, options: HelperOptions) {
    return formatMoneyShort(amount, localeOf(options));
  },
  /** A calendar day « 2026-12-07 » as « 7 décembre 2026 »: pages never show ISO dates. */
  calendarDay(date: string, options: HelperOptions) {
    return typeof date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(date) ? formatDayRange(date, date, localeOf(options)) : date;
  },
  /** « 8 novembre – 7 décembre 2026 » from two calendar days. */
  dayRange(from: string, to: string, options: HelperOptions) {
    return formatDayRange(from, to, localeOf(options));
  },
  /** A shop category in the page's language (stored in French). */
  categoryName(stored: string, options: HelperOptions) {
    return typeof stored === 'string' ? categoryLabel(stored, localeOf(options)) : stored;
  },
  eq(a: unknown, b: unknown) {
    return a === b;
  },
  /** Builds ids such as amount_0 from a prefix and an index. */
  concat(...args: unknown[]) {
    return args.slice(0, -1).join('');
  },
};
