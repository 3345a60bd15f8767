import type pg from 'pg';
import { preparedOn } from '../../../db/postgres';
import { awaited } from '../../../db/unit-of-work';
import type { AuditInput } from '../audit/audit-log';
import type { OpeningSlot } from './opening-hours';
import type { OpeningHoursStore } from './opening-hours-store';

/** A shop's week and position on PostgreSQL (opening-hours-store.ts): the same statements as opening-hours-repository.ts. */
export function pgOpeningHoursStore(client: pg.ClientBase): OpeningHoursStore {
  const q = preparedOn(client);
  const run = (name: string, text: string, values: unknown[]) => awaited(async () => void (await q(name, text, values)));
  return {
    // The shop's row: two saves of one week would otherwise both delete, then both insert (a duplicate key).
    lockWeek: (merchantId) => run('shop_week_lock', `SELECT 1 FROM merchants WHERE id = $1 FOR UPDATE`, [merchantId]),
    hours: (merchantId) =>
      awaited(async () =>
        (await q<OpeningSlot>(
          'shop_hours',
          `SELECT weekday, opens_minute AS "opensMinute", closes_minute AS "closesMinute" FROM merchant_opening_hours WHERE merchant_id = $1 ORDER BY weekday, opens_minute`,
          [merchantId],
        )).rows,
      ),
    replaceHours: (merchantId, slots) =>
      awaited(async () => {
        await q('shop_hours_clear', `DELETE FROM merchant_opening_hours WHERE merchant_id = $1`, [merchantId]);
        // One INSERT for the week, its slots as arrays (the week has at most a few dozen).
        if (slots.length)
          await q(
            'shop_hours_insert',
            `INSERT INTO merchant_opening_hours (merchant_id, weekday, opens_minute, closes_minute)
             SELECT $1, * FROM unnest($2::int[], $3::int[], $4::int[])`,
            [merchantId, slots.map((s) => s.weekday), slots.map((s) => s.opensMinute), slots.map((s) => s.closesMinute)],
          );
      }),
    position: (merchantId) =>
      awaited(async () => {
        const row = (await q<{ latitude: number | null; longitude: number | null }>('shop_position', `SELECT latitude, longitude FROM merchants WHERE id = $1`, [merchantId])).rows[0];
        return row && row.latitude !== null && row.longitude !== null ? { latitude: row.latitude, longitude: row.longitude } : null;
      }),
    setPosition: (merchantId, position) =>
      run('shop_position_set', `UPDATE merchants SET latitude = $2, longitude = $3 WHERE id = $1`, [merchantId, position?.latitude ?? null, position?.longitude ?? null]),
    audit: (e: AuditInput, now: Date) =>
      run(
        'audit_insert',
        `INSERT INTO audit_log (at, actor, action, entity_type, entity_id, before, after, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [now.toISOString(), e.actor, e.action, e.entityType, e.entityId, e.before === undefined ? null : JSON.stringify(e.before), e.after === undefined ? null : JSON.stringify(e.after), e.reason ?? null],
      ),
  };
}
