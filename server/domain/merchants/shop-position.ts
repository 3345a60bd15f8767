import { z } from 'zod';

/** Where a shop is on the map (WGS 84 degrees), for the directory's optional map; both or neither. */
export type ShopPosition = { latitude: number; longitude: number } | null;

const degrees = (max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d{1,3}([.,]\d{1,8})?$/, { message: 'hours.errors.position' })
    .transform((s) => Number(s.replace(',', '.')))
    .refine((n) => Math.abs(n) <= max, { message: 'hours.errors.position' });

/** The form's `latitude` and `longitude` (« 49,4938 » or « 49.4938 »): both empty is no position. */
export function parsePositionForm(body: Record<string, unknown>): { values: { latitude: string; longitude: string }; errors: Record<string, string>; position?: ShopPosition } {
  const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).slice(0, 20) : '');
  const values = { latitude: text('latitude'), longitude: text('longitude') };
  if (!values.latitude.trim() && !values.longitude.trim()) return { values, errors: {}, position: null };
  const errors: Record<string, string> = {};
  const lat = degrees(90).safeParse(values.latitude);
  const lon = degrees(180).safeParse(values.longitude);
  if (!lat.success) errors.latitude = values.latitude.trim() ? 'hours.errors.position' : 'hours.errors.position_half';
  if (!lon.success) errors.longitude = values.longitude.trim() ? 'hours.errors.position' : 'hours.errors.position_half';
  if (!lat.success || !lon.success) return { values, errors };
  return { values, errors, position: { latitude: lat.data, longitude: lon.data } };
}

export const positionFormValues = (m: { latitude: number | null; longitude: number | null }) => ({
  latitude: m.latitude === null ? '' : String(m.latitude),
  longitude: m.longitude === null ? '' : String(m.longitude),
});
