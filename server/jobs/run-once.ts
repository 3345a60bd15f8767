import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database_ } from '../../db/client';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { sqliteUnits, type Units } from '../../db/store-units';
import type { Step } from '../../db/unit-of-work';
import { sqliteJobLeaseStore, type JobLeaseStore } from './job-lease-store';
import type { JobLease } from './job-leases-repository';

/**
 * Scheduled jobs run once however many servers are up. Every process keeps its own timers
 * (so losing a machine loses no job), and each planned run — a job name and a **slot**, the
 * instant it was planned for — is taken by one process through the job's row in
 * `job_leases` (see job-leases-repository.ts): the winner holds a lease it renews while the
 * run goes on, then records the slot as done; the others skip it. A winner that dies
 * mid-run stops renewing, its lease runs out, and a process that was turned away retries
 * then and takes the slot over. Jobs must still be idempotent (a run cut short is run again).
 */
export interface OnceDeps {
  /** The SQLite database whose `job_leases` decide, unless `leases` is given. */
  database?: Database_;
  /** Where the leases live when not in `database` (PostgreSQL: pgUnits(pool, pgJobLeaseStore)); see db/store-units.ts. */
  leases?: Units<JobLeaseStore>;
  clock: Clock;
  logger: Logger;
  /** Who we are in `job_leases.holder`; one per process by default. */
  holder?: string;
  /** How long a lease lasts without renewal (renewed every third of it). */
  leaseMs?: number;
}

export const PROCESS_HOLDER = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
export const JOB_LEASE_MS = 5 * 60_000;

export type OnceOutcome = { ran: true } | { ran: false; reason: 'done' } | { ran: false; reason: 'busy'; retryAt: number };

/** Takes the slot, or reads the row that says why not (in the same unit of work). */
export function* claimSteps(store: JobLeaseStore, name: string, holder: string, slot: number, now: number, leaseMs: number): Step<{ taken: true } | { taken: false; row: JobLease | undefined }> {
  if (yield* store.claim(name, holder, slot, now, now + leaseMs)) return { taken: true };
  return { taken: false, row: yield* store.find(name) };
}

const sqliteLeases = new WeakMap<Database_, Units<JobLeaseStore>>();
function leasesOf(deps: OnceDeps): Units<JobLeaseStore> {
  if (deps.leases) return deps.leases;
  if (!deps.database) throw new Error('runOnce: neither leases nor a database');
  let units = sqliteLeases.get(deps.database);
  if (!units) sqliteLeases.set(deps.database, (units = sqliteUnits(deps.database, sqliteJobLeaseStore)));
  return units;
}

/** Runs `task` for `slot` unless that run is done or going on elsewhere (or in this process). */
export async function runOnce(deps: OnceDeps, name: string, slot: Date, task: () => Promise<void>): Promise<OnceOutcome> {
  const holder = deps.holder ?? PROCESS_HOLDER;
  const leaseMs = deps.leaseMs ?? JOB_LEASE_MS;
  const leases = leasesOf(deps);
  const now = deps.clock.now().getTime();
  const claim = await leases((store) => claimSteps(store, name, holder, slot.getTime(), now, leaseMs));
  if (!claim.taken) {
    const row = claim.row;
    if (row?.doneSlot != null && row.doneSlot >= slot.getTime()) return { ran: false, reason: 'done' };
    return { ran: false, reason: 'busy', retryAt: row?.leaseUntil ?? now + leaseMs };
  }
  const heartbeat = setInterval(() => {
    void (async () => {
      try {
        const mine = await leases((store) => store.renew(name, holder, deps.clock.now().getTime() + leaseMs));
        if (!mine) deps.logger.warn({ job: name, holder }, 'scheduled job lease lost: the run outlived it');
      } catch (err) {
        deps.logger.warn({ job: name, err: err instanceof Error ? err.message : String(err) }, 'scheduled job lease not renewed');
      }
    })();
  }, Math.max(1, Math.floor(leaseMs / 3)));
  heartbeat.unref();
  try {
    await task();
  } catch (err) {
    clearInterval(heartbeat);
    await leases((store) => store.release(name, holder));
    throw err;
  }
  clearInterval(heartbeat);
  await leases((store) => store.finish(name, holder, slot.getTime(), deps.clock.now().toISOString()));
  return { ran: true };
}

/**
 * A job's runs, each taken once across servers: `run(slot)` tries now and, when another
 * process holds the lease, tries the same slot again when that lease would have run out
 * (it finds the slot done, or takes it over from a process that died). Errors are logged,
 * never thrown: the next planned run still happens. `stop()` cancels pending retries.
 */
export function onceAcrossServers(deps: OnceDeps, name: string, task: (slot: Date) => Promise<void>): { run: (slot: Date) => Promise<void>; stop: () => void } {
  const retries = new Set<NodeJS.Timeout>();
  let stopped = false;
  const run = async (slot: Date): Promise<void> => {
    if (stopped) return;
    try {
      const outcome = await runOnce(deps, name, slot, () => task(slot));
      if (outcome.ran || outcome.reason === 'done') {
        if (!outcome.ran) deps.logger.debug({ job: name, slot: slot.toISOString() }, 'scheduled run already done');
        return;
      }
      const wait = Math.max(1000, outcome.retryAt - deps.clock.now().getTime() + 1000);
      deps.logger.debug({ job: name, slot: slot.toISOString(), retryInMs: wait }, 'scheduled run taken by another process');
      const t = setTimeout(() => {
        retries.delete(t);
        void run(slot);
      }, wait);
      t.unref();
      retries.add(t);
    } catch (err) {
      deps.logger.error({ job: name, err: err instanceof Error ? err.message : String(err) }, 'scheduled job failed');
    }
  };
  return {
    run,
    stop: () => {
      stopped = true;
      for (const t of retries) clearTimeout(t);
      retries.clear();
    },
  };
}
