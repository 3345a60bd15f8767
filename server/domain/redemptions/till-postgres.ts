import type { PgDatabase } from '../../../db/postgres-pool';
import { runAsync } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { redeemRequest, redeemSteps, voidSteps, type Till } from './redemptions-service';
import { pgTillStore } from './till-store-pg';

/**
 * The till on PostgreSQL: the same steps as on SQLite (redemptions-service.ts), each unit of
 * work on one pooled connection, READ COMMITTED, run again on a deadlock, a serialization
 * failure or an idempotency key taken concurrently (db/postgres-pool.ts). No group commit:
 * PostgreSQL commits concurrent transactions side by side. The store holds the hot writes
 * back (till-store-pg.ts); they end the unit as one statement with COMMIT behind it.
 */
export function postgresTill(pg: PgDatabase, deps: { clock: Clock; voidWindowMinutes: number }): Till {
  return {
    redeem: async (input) => {
      // Before any connection is taken: a mistyped code costs no round trip.
      const request = redeemRequest(input);
      return pg.transaction(async (client) => {
        const store = pgTillStore(client, { begins: true });
        return store.ending(await runAsync(redeemSteps(store, deps.clock, request)));
      }, { unitBegins: true });
    },
    voidRedemption: (input) =>
      pg.transaction(async (client) => {
        const store = pgTillStore(client, { begins: true });
        return store.ending(await runAsync(voidSteps(store, deps.clock, deps.voidWindowMinutes, input)));
      }, { unitBegins: true }),
  };
}
