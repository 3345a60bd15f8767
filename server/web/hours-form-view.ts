import { fieldName, SLOTS_PER_DAY, WEEKDAYS, type HoursFormValues } from '../domain/merchants/opening-hours';

type T = (key: string, params?: Record<string, string | number>) => string;

/**
 * The weekly hours form of the shop owner's page and the operator's shop page: a fieldset
 * per day, two slots of two time fields; errors (message keys) translated next to their field.
 */
export function hoursFormView(values: HoursFormValues, errors: Record<string, string>, t: T, locale: string, position?: { latitude: string; longitude: string }) {
  const dayName = (d: number) => new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2026, 0, 4 + d)));
  const field = (weekday: number, slot: number, end: 'opens' | 'closes') => {
    const name = fieldName(weekday, slot, end);
    return { name, id: `hours-${name}`, value: values[name] ?? '', error: errors[name] ? t(errors[name]) : undefined, label: t(`hours.${end}`) };
  };
  return {
    days: WEEKDAYS.map((d) => ({
      name: dayName(d),
      slots: Array.from({ length: SLOTS_PER_DAY }, (_, i) => ({ label: t('hours.slot', { n: i + 1 }), opens: field(d, i, 'opens'), closes: field(d, i, 'closes') })),
    })),
    hasErrors: Object.keys(errors).length > 0,
    // Only when the operator has configured a map (MAP_TILE_URL): where the shop's pin goes.
    position: position && (['latitude', 'longitude'] as const).map((k) => ({ name: k, id: `hours-${k}`, value: position[k], error: errors[k] ? t(errors[k]) : undefined, label: t(`hours.${k}`) })),
  };
}
