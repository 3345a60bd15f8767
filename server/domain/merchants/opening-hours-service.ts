import type { Database_ } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { audit } from '../audit/audit-log';
import { formatMinute, type OpeningSlot } from './opening-hours';
import { hoursOf, positionOf, replaceHours, setPosition } from './opening-hours-repository';
import type { ShopPosition } from './shop-position';

/** The week (and, when given, the map position) in one transaction. Who may call: the route has checked the role (shop owner of this shop, or operator with merchants.manage). */
export function setOpeningHours(deps: { database: Database_; clock: Clock }, merchantId: string, slots: readonly OpeningSlot[], actor: string, position?: ShopPosition): void {
  const week = (list: readonly OpeningSlot[]) => list.map((s) => `${s.weekday} ${formatMinute(s.opensMinute)}-${formatMinute(s.closesMinute)}`);
  deps.database.transaction((tx) => {
    const before = hoursOf(tx, merchantId);
    replaceHours(tx, merchantId, slots);
    const moved = position === undefined ? null : { before: positionOf(tx, merchantId), after: position };
    if (position !== undefined) setPosition(tx, merchantId, position);
    audit(tx, { actor, action: 'merchant.hours', entityType: 'merchant', entityId: merchantId, before: { hours: week(before), ...(moved && { position: moved.before }) }, after: { hours: week(slots), ...(moved && { position: moved.after }) } }, deps.clock.now());
  });
}
