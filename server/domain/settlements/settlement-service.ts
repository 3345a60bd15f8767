/**
 * Settlement: pays shops what they redeemed, minus the campaign's commission and its VAT.
 *
 * Exactly once, crash-safe:
 * 1. `createBatch` writes the batch in slices of shops, each ONE short BEGIN IMMEDIATE
 *    transaction (settlement-slices.ts): the slice's statements, their journals, the
 *    commission invoice numbers, the statement mails (outbox), every redemption's
 *    `statement_id`, the batch totals and its cursor. A crash leaves whole slices of an
 *    open batch, which the next run (or a concurrent one) completes from the cursor; the
 *    last slice closes the batch. The `statement_id IS NULL` guard means a redemption is
 *    in one statement at most, and a void refuses a stamped redemption.
 *    Before anything is written, each SEPA shop's transaction is checked by the code that
 *    writes the file: a shop whose details would break it is held back alone.
 * 2. Paying happens after the commit and is resumable: Stripe transfers carry the
 *    statement id as idempotency key (a retry after a crash returns the same transfer);
 *    SEPA files are recorded once and rebuilt from stored rows (same bytes, same MsgId)
 *    whenever needed (sepa-files.ts).
 * `runSettlement` does 1 then 2 and, run again, completes the unfinished step 2 of earlier
 * batches without creating anything new.
 *
 * Both backends run the same steps over a SettlementStore (settlement-store.ts): on SQLite
 * each unit is a BEGIN IMMEDIATE transaction (`SettlementDeps`, `sqliteCore`); on PostgreSQL
 * a READ COMMITTED one after the settlement advisory lock (`SettlementCore` with
 * `pgSettlementUnits`). docs/architecture.md, « Isolation of the settlement path ».
 */
import type { Database_ } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { isCalendarDate } from '../../lib/calendar-date';
import { endOfParisDay } from '../../lib/paris-time';
import type { HoldReason } from './payout-route';
import type { SettlementBatch } from './settlements-repository';
import { fillBatch, newRun, resumeOpenBatch, type SliceDeps } from './settlement-slices';
import { sqliteSettlementUnits } from './settlement-store-sqlite';

export const COMMISSION_VAT_SETTING = 'commission_vat_bps';

export interface SettlementDeps {
  database: Database_;
  clock: Clock;
  voidWindowMinutes: number;
  /** Fault injection for the crash tests (a child process killed at a named step). */
  onStep?: (step: string) => void;
  /** Shops per slice (one short transaction each); 50 by default. */
  sliceMerchants?: number;
}

/** The same, on either backend: its units of work instead of the SQLite database. */
export interface SettlementCore extends SliceDeps {
  voidWindowMinutes: number;
}

/** SQLite deps as core deps (each slice its own BEGIN IMMEDIATE, as always). */
export const sqliteCore = <D extends SettlementDeps>(deps: D): D & SettlementCore => ({ ...deps, units: sqliteSettlementUnits(deps.database) });

export interface HoldSummary {
  merchantId: string;
  reason: HoldReason;
  redemptionCount: number;
  grossCents: number;
}

export type CreateBatchResult = { batch: SettlementBatch; holds: HoldSummary[] } | { batch: null; holds: HoldSummary[] };

/**
 * The cut-off: end of `until` in Paris, but never inside an open void window — a
 * redemption that can still be undone is not settled yet (the next run takes it).
 */
export function cutoffFor(until: string, now: Date, voidWindowMinutes: number): Date {
  if (!isCalendarDate(until)) throw new AppError('VALIDATION_FAILED', 422, 'errors.validation_failed', { until: 'errors.date' });
  const end = endOfParisDay(until);
  const lastClosed = new Date(now.getTime() - voidWindowMinutes * 60_000 - 1);
  return end < lastClosed ? end : lastClosed;
}

/**
 * Settles every shop owed something up to `until`'s cut-off, in slices of shops (see
 * settlement-slices.ts): first any batch a crashed or concurrent run left open, then a new
 * one. Returns the batch this run created or completed (null when nothing was payable) and
 * its holds.
 */
export async function createBatch(deps: SettlementDeps | SettlementCore, input: { until: string; actor: string }): Promise<CreateBatchResult> {
  const core = 'units' in deps ? deps : sqliteCore(deps);
  const cutoff = cutoffFor(input.until, core.clock.now(), core.voidWindowMinutes).toISOString();
  const resumed = await resumeOpenBatch(core, input.actor);
  const created = await fillBatch(core, await core.units.run(newRun(core.units, { until: input.until, cutoff, actor: input.actor })));
  if (created.batch || !resumed?.batch) return created;
  return resumed;
}

