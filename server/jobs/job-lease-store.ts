import type { Tx } from '../../db/client';
import { done, type Step } from '../../db/unit-of-work';
import { claimJob, findJob, finishJob, releaseJob, renewJob, type JobLease } from './job-leases-repository';

/**
 * The leader row of each scheduled job (`job_leases`), which makes a planned run happen once
 * however many servers are up (run-once.ts). The rules are written once as Steps; SQLite
 * here, PostgreSQL in job-lease-store-pg.ts. A lease always has an expiry (`lease_until`):
 * a holder that dies stops renewing and the row is free again when it runs out — no lock
 * outlives its process.
 */
export interface JobLeaseStore {
  /** Takes the row for `slot` when no live lease holds it and the slot is not done: true for one caller. */
  claim(name: string, holder: string, slot: number, now: number, leaseUntil: number): Step<boolean>;
  renew(name: string, holder: string, leaseUntil: number): Step<boolean>;
  finish(name: string, holder: string, slot: number, doneAt: string): Step<void>;
  release(name: string, holder: string): Step<void>;
  find(name: string): Step<JobLease | undefined>;
}

export function sqliteJobLeaseStore(tx: Tx): JobLeaseStore {
  return {
    claim: (name, holder, slot, now, leaseUntil) => done(claimJob(tx, name, holder, slot, now, leaseUntil)),
    renew: (name, holder, leaseUntil) => done(renewJob(tx, name, holder, leaseUntil)),
    finish: (name, holder, slot, doneAt) => done(finishJob(tx, name, holder, slot, doneAt)),
    release: (name, holder) => done(releaseJob(tx, name, holder)),
    find: (name) => done(findJob(tx, name)),
  };
}
