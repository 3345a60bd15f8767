import type { Database_ } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { audit } from '../audit/audit-log';
import { formatMinute, type OpeningSlot } from './opening-hours';
import { hoursOf, replaceHours } from './opening-hours-repository';

/** Who may call: the route has checked the role (shop owner of this shop, or operator with merchants.manage). */
export function setOpeningHours(deps: { database: Database_; clock: Clock }, merchantId: string, slots: readonly OpeningSlot[], actor: string): void {
  const week = (list: readonly OpeningSlot[]) => list.map((s) => `${s.weekday} ${formatMinute(s.opensMinute)}-${formatMinute(s.closesMinute)}`);
  deps.database.transaction((tx) => {
    const before = hoursOf(tx, merchantId);
    replaceHours(tx, merchantId, slots);
    audit(tx, { actor, action: 'merchant.hours', entityType: 'merchant', entityId: merchantId, before: { hours: week(before) }, after: { hours: week(slots) } }, deps.clock.now());
  });
}
