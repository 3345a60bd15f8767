import type { Database_ } from '../../../db/client';
import type { PgDatabase } from '../../../db/postgres-pool';
import { pgUnits, sqliteUnits } from '../../../db/store-units';
import type { Step } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { formatMinute, type OpeningSlot } from './opening-hours';
import { sqliteOpeningHoursStore, type OpeningHoursStore } from './opening-hours-store';
import { pgOpeningHoursStore } from './opening-hours-store-pg';
import type { ShopPosition } from './shop-position';

type Deps = { database: Database_; clock: Clock; pg?: PgDatabase | null };

/** The week (and, when given, the map position) in one transaction. Who may call: the route has checked the role (shop owner of this shop, or operator with merchants.manage). */
export function setOpeningHours(deps: Deps, merchantId: string, slots: readonly OpeningSlot[], actor: string, position?: ShopPosition): void | Promise<void> {
  const now = deps.clock.now();
  const units = deps.pg ? pgUnits(deps.pg, pgOpeningHoursStore) : sqliteUnits(deps.database, sqliteOpeningHoursStore);
  return units((store) => setOpeningHoursSteps(store, merchantId, slots, actor, now, position));
}

function* setOpeningHoursSteps(store: OpeningHoursStore, merchantId: string, slots: readonly OpeningSlot[], actor: string, now: Date, position?: ShopPosition): Step<void> {
  const week = (list: readonly OpeningSlot[]) => list.map((s) => `${s.weekday} ${formatMinute(s.opensMinute)}-${formatMinute(s.closesMinute)}`);
  yield* store.lockWeek(merchantId);
  const before = yield* store.hours(merchantId);
  yield* store.replaceHours(merchantId, slots);
  const moved = position === undefined ? null : { before: yield* store.position(merchantId), after: position };
  if (position !== undefined) yield* store.setPosition(merchantId, position);
  yield* store.audit({ actor, action: 'merchant.hours', entityType: 'merchant', entityId: merchantId, before: { hours: week(before), ...(moved && { position: moved.before }) }, after: { hours: week(slots), ...(moved && { position: moved.after }) } }, now);
}

/** The shop's week and map position for its form, on either backend. */
export function* shopWeekSteps(store: OpeningHoursStore, merchantId: string): Step<{ hours: OpeningSlot[]; position: ShopPosition }> {
  return { hours: yield* store.hours(merchantId), position: yield* store.position(merchantId) };
}
