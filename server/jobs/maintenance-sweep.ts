import type { Database_ } from '../../db/client';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { cancelAbandonedOrders } from '../domain/orders/abandoned-orders';
import { deleteExpiredSessions } from '../domain/sessions/sessions-repository';
import { onceAcrossServers, type OnceDeps } from './run-once';
import { runRecurring } from './recurring';

export const SWEEP_EVERY_MS = 10 * 60_000;
export const MAINTENANCE_SWEEP_JOB = 'maintenance-sweep';

/** The sweep on SQLite: expired sessions removed, then abandoned orders cancelled (their count). */
export function sqliteSweep(database: Database_, now: Date): number {
  database.transaction((tx) => deleteExpiredSessions(tx, now.toISOString()));
  return cancelAbandonedOrders(database, now);
}

/** The ten-minute slot a sweep at `now` belongs to (its start). */
export const sweepSlot = (now: Date) => new Date(Math.floor(now.getTime() / SWEEP_EVERY_MS) * SWEEP_EVERY_MS);

/**
 * Maintenance every 10 minutes (and at start): abandoned orders cancelled, expired sessions
 * removed. Both are idempotent; each ten-minute slot is still run by one server process
 * only (job `maintenance-sweep`), so more servers do not mean more work on the database.
 */
export function startMaintenanceSweep(deps: Pick<OnceDeps, 'database' | 'leases' | 'holder' | 'leaseMs'> & { clock: Clock; logger: Logger; sweep: (now: Date) => Promise<number> | number }): { stop: () => void } {
  const job = onceAcrossServers(deps, MAINTENANCE_SWEEP_JOB, async () => {
    const n = await deps.sweep(deps.clock.now());
    if (n) deps.logger.info({ cancelled: n }, 'abandoned orders cancelled');
  });
  const atStart = setImmediate(() => void job.run(sweepSlot(deps.clock.now()))).unref();
  const every = runRecurring(deps.clock, (after) => new Date(sweepSlot(after).getTime() + SWEEP_EVERY_MS), job.run);
  return {
    stop: () => {
      clearImmediate(atStart);
      every.stop();
      job.stop();
    },
  };
}
