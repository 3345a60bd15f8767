import type { PgDatabase } from '../../../db/postgres-pool';
import { runAsync } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { redeemRequest, redeemSteps, voidSteps, type Till } from './redemptions-service';
import { pgTillStore } from './till-store-pg';

/**
 * The till on PostgreSQL: the same steps as on SQLite (redemptions-service.ts), each unit of
 * work on one pooled connection, READ COMMITTED, run again on a deadlock, a serialization
 * failure or an idempotency key taken concurrently (db/postgres-pool.ts). No group commit:
 * PostgreSQL commits concurrent transactions side by side.
 */
export function postgresTill(pg: PgDatabase, deps: { clock: Clock; voidWindowMinutes: number }): Till {
  return {
    redeem: async (input) => {
      // Before any connection is taken: a mistyped code costs no round trip.
      const request = redeemRequest(input);
      return pg.transaction((client) => runAsync(redeemSteps(pgTillStore(client), deps.clock, request)));
    },
    voidRedemption: (input) => pg.transaction((client) => runAsync(voidSteps(pgTillStore(client), deps.clock, deps.voidWindowMinutes, input))),
  };
}
