import type { Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import { audit, type AuditInput } from '../audit/audit-log';
import type { OpeningSlot } from './opening-hours';
import { hoursOf, positionOf, replaceHours, setPosition } from './opening-hours-repository';
import type { ShopPosition } from './shop-position';

/**
 * A shop's week and map position as Steps for either backend (opening-hours-service.ts);
 * SQLite here (opening-hours-repository.ts), PostgreSQL in opening-hours-store-pg.ts.
 */
export interface OpeningHoursStore {
  /** Holds the shop's week against another save until this unit ends (SQLite's write lock does already). */
  lockWeek(merchantId: string): Step<void>;
  hours(merchantId: string): Step<OpeningSlot[]>;
  replaceHours(merchantId: string, slots: readonly OpeningSlot[]): Step<void>;
  position(merchantId: string): Step<ShopPosition>;
  setPosition(merchantId: string, position: ShopPosition): Step<void>;
  audit(e: AuditInput, now: Date): Step<void>;
}

export function sqliteOpeningHoursStore(tx: Tx): OpeningHoursStore {
  return {
    lockWeek: () => done(undefined),
    hours: (merchantId) => done(hoursOf(tx, merchantId)),
    replaceHours: (merchantId, slots) => done(replaceHours(tx, merchantId, slots)),
    position: (merchantId) => done(positionOf(tx, merchantId)),
    setPosition: (merchantId, position) => done(setPosition(tx, merchantId, position)),
    audit: (e, now) => done(audit(tx, e, now)),
  };
}
