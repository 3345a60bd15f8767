import { pgTable, text } from 'drizzle-orm/pg-core';
import { int64 } from './columns';

/** PostgreSQL mirror of db/schema/job-leases.ts (its comments say why). */
export const jobLeases = pgTable('job_leases', {
  name: text('name').primaryKey(),
  holder: text('holder'),
  leaseUntil: int64('lease_until'),
  slot: int64('slot'),
  doneSlot: int64('done_slot'),
  doneAt: text('done_at'),
});
