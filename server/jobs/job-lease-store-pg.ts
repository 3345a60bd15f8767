import type pg from 'pg';
import { preparedOn } from '../../db/postgres';
import { awaited } from '../../db/unit-of-work';
import type { JobLease } from './job-leases-repository';
import type { JobLeaseStore } from './job-lease-store';

/**
 * Job leases on PostgreSQL: a leader row with an expiry, the same conditional UPDATE as on
 * SQLite. Two schedulers firing at the same instant: both `INSERT … ON CONFLICT DO
 * NOTHING` the row, then both UPDATE it; the second waits on the first's row lock and,
 * under READ COMMITTED, re-checks its WHERE on the committed row — the lease is live (or
 * the slot done), so it changes nothing. No advisory lock: a session-level one would stay
 * held by a server whose connection hangs, while a lease runs out by itself.
 */
export function pgJobLeaseStore(client: pg.ClientBase): JobLeaseStore {
  const q = preparedOn(client);
  const changed = (name: string, text: string, values: unknown[]) => awaited(async () => (await q(name, text, values)).rowCount === 1);
  return {
    *claim(name, holder, slot, now, leaseUntil) {
      yield* awaited(() => q('job_row', `INSERT INTO job_leases (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [name]));
      return yield* changed(
        'job_claim',
        `UPDATE job_leases SET holder = $2, lease_until = $5, slot = $3
         WHERE name = $1 AND (lease_until IS NULL OR lease_until <= $4) AND (done_slot IS NULL OR done_slot < $3)`,
        [name, holder, slot, now, leaseUntil],
      );
    },
    renew: (name, holder, leaseUntil) => changed('job_renew', `UPDATE job_leases SET lease_until = $3 WHERE name = $1 AND holder = $2`, [name, holder, leaseUntil]),
    *finish(name, holder, slot, doneAt) {
      yield* changed('job_finish', `UPDATE job_leases SET done_slot = $3, done_at = $4, lease_until = NULL WHERE name = $1 AND holder = $2`, [name, holder, slot, doneAt]);
    },
    *release(name, holder) {
      yield* changed('job_release', `UPDATE job_leases SET lease_until = NULL WHERE name = $1 AND holder = $2`, [name, holder]);
    },
    find: (name) =>
      awaited(async () =>
        (await q<JobLease>('job_find', `SELECT name, holder, lease_until AS "leaseUntil", slot, done_slot AS "doneSlot", done_at AS "doneAt" FROM job_leases WHERE name = $1`, [name])).rows[0],
      ),
  };
}
