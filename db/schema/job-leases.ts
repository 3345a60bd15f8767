import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * One row per scheduled job (daily expiry, weekly settlement, maintenance sweep), shared by
 * every server process on the database so that each planned run happens once however many
 * servers are up. A process runs a job's planned run (`slot`, the planned instant in epoch
 * ms) only after taking the row with one conditional UPDATE: no live lease held by anyone
 * (`lease_until` ≤ now, or null) and that slot not done yet (`done_slot` < slot). While it
 * runs it renews `lease_until`; when it finishes it records `done_slot`. A process that dies
 * mid-run leaves its lease to expire, and another takes the same slot over.
 * `holder` names the process (host, pid, random id) for the operator reading the table.
 */
export const jobLeases = sqliteTable('job_leases', {
  name: text('name').primaryKey(),
  holder: text('holder'),
  leaseUntil: integer('lease_until'),
  slot: integer('slot'),
  doneSlot: integer('done_slot'),
  doneAt: text('done_at'),
});
