import { and, eq, isNull, lt, lte, or } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { jobLeases } from '../../db/schema/index';

export type JobLease = typeof jobLeases.$inferSelect;

/**
 * Takes the job's row for one planned run (`slot`), or says no, in ONE conditional UPDATE:
 * nobody holds a live lease (ours included: a run still going in this process is not
 * started twice) and that slot is not done yet. Two processes racing both send the same
 * statement; the database lets one of them change the row. The row is created first if
 * missing (`ON CONFLICT DO NOTHING`: both forms are portable to PostgreSQL).
 */
export function claimJob(tx: Tx, name: string, holder: string, slot: number, now: number, leaseUntil: number): boolean {
  tx.insert(jobLeases).values({ name }).onConflictDoNothing().run();
  return tx.update(jobLeases)
    .set({ holder, leaseUntil, slot })
    .where(and(
      eq(jobLeases.name, name),
      or(isNull(jobLeases.leaseUntil), lte(jobLeases.leaseUntil, now)),
      or(isNull(jobLeases.doneSlot), lt(jobLeases.doneSlot, slot)),
    ))
    .run().changes === 1;
}

/** Keeps our lease alive while the run goes on; false when it is no longer ours (it expired and another process took it). */
export function renewJob(tx: Tx, name: string, holder: string, leaseUntil: number): boolean {
  return tx.update(jobLeases).set({ leaseUntil }).where(and(eq(jobLeases.name, name), eq(jobLeases.holder, holder))).run().changes === 1;
}

/** Records the slot as done and lets the lease go (only if still ours). */
export function finishJob(tx: Tx, name: string, holder: string, slot: number, doneAt: string): void {
  tx.update(jobLeases).set({ doneSlot: slot, doneAt, leaseUntil: null }).where(and(eq(jobLeases.name, name), eq(jobLeases.holder, holder))).run();
}

/** Lets the lease go without marking the slot done (the run failed: a later attempt may take it). */
export function releaseJob(tx: Tx, name: string, holder: string): void {
  tx.update(jobLeases).set({ leaseUntil: null }).where(and(eq(jobLeases.name, name), eq(jobLeases.holder, holder))).run();
}

export function findJob(tx: Tx, name: string): JobLease | undefined {
  return tx.select().from(jobLeases).where(eq(jobLeases.name, name)).get();
}
