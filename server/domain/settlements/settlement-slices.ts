/**
 * A settlement batch written in slices of shops. Each slice is ONE short BEGIN IMMEDIATE
 * transaction over a few shops (merchant ids in order after the batch's cursor; at most 50
 * shops and, unless one shop alone has more, about SLICE_REDEMPTIONS redemptions): their
 * statements, journals, invoice numbers, mails, holds, the stamping of their redemptions,
 * the batch's totals and cursor. Between slices the write lock is free, so a till waits at
 * most one slice, never the whole batch.
 *
 * - The batch row is created by the first slice that has a payable shop, open
 *   (`closed_at` null); a unique index allows one open batch. The slice that finds no shop
 *   left closes it. A run that finds an open batch (crash, or another process at work)
 *   continues it from its cursor, with the batch's own cut-off: every slice reads the
 *   cursor under the write lock, so two runs share the work and never settle a shop twice.
 * - A redemption is stamped with its statement by a conditional UPDATE
 *   (`statement_id IS NULL AND status = 'completed'`) and the statement's figures are read
 *   back from the stamped rows and must equal what was priced: a void that slipped in
 *   between fails the slice (rolled back and run again: RunAgain), and a void of a
 *   stamped redemption is refused (redemptions-repository.markVoided, till-store-pg.ts).
 *
 * Written once as steps over a SettlementStore (settlement-store.ts): on SQLite each slice
 * is one BEGIN IMMEDIATE, run synchronously as before; on PostgreSQL one READ COMMITTED
 * unit of work after the settlement advisory lock (settlement-store-pg.ts), which plays the
 * write lock's part between settlement runs and never blocks the till.
 */
import { RunAgain, type Step } from '../../../db/unit-of-work';
import { newId } from '../../lib/ids';
import { parisDate } from '../../lib/paris-time';
import { checkSepaTransfer } from '../../settlement/sepa-pain001';
import { Accounts } from '../ledger/accounts';
import { postJournalSteps } from '../ledger/journal-store';
import { formatInvoiceNumber } from '../../invoices/invoice-document';
import { DEFAULT_COMMISSION_VAT_BPS, statementAmounts } from './commission';
import { payoutRoute, sepaHoldReason } from './payout-route';
import { statementTransfer } from './sepa-export';
import { COMMISSION_VAT_SETTING, type CreateBatchResult, type HoldSummary } from './settlement-service';
import type { SettlementStore, SettlementUnits, ShopRow } from './settlement-store';
import type { SettlementBatch } from './settlements-repository';

export const DEFAULT_SLICE_MERCHANTS = 50;
/**
 * Redemptions a slice stamps at most (unless one shop alone has more): bounds the time the
 * write lock is held whatever the shops' sizes (bench/settle-till.bench.ts).
 */
export const SLICE_REDEMPTIONS = 2_000;

/** What the slices need: the units of work of a backend, the clock, the fault hook, the slice size. */
export interface SliceDeps {
  units: SettlementUnits;
  clock: { now(): Date };
  onStep?: (step: string) => void;
  sliceMerchants?: number;
}

/** What a run carries from one slice to the next (the batch itself lives in the database). */
export interface RunState {
  until: string;
  cutoff: string;
  actor: string;
  batchId: string | null;
  cursor: string;
  /** Holds found before the batch row exists: written with it. */
  pendingHolds: HoldSummary[];
  /** Breakage owed per shop, read on one snapshot; re-read when the journals it depends on moved. */
  breakage: Map<string, number>;
  marks: Record<string, number>;
}

export function* newRun(units: SettlementUnits, input: { until: string; cutoff: string; actor: string }): Step<RunState> {
  const { breakage, marks } = yield* units.snapshot(function* (s) {
    return { breakage: yield* s.owedBreakage(), marks: yield* s.journalCounterMarks() };
  });
  return { ...input, batchId: null, cursor: '', pendingHolds: [], breakage, marks };
}

/** Completes a batch left open by a crashed or concurrent run; null when none is open. */
export async function resumeOpenBatch(deps: SliceDeps, actor: string): Promise<CreateBatchResult | null> {
  const open = await deps.units.run(deps.units.read((s) => s.findOpenBatch()));
  if (!open) return null;
  const run = await deps.units.run(newRun(deps.units, { until: open.until, cutoff: open.cutoffAt, actor }));
  return fillBatch(deps, { ...run, batchId: open.id, cursor: open.merchantCursor ?? '' });
}

/** A slice works on a copy: a unit of work run again (PostgreSQL) starts from the state before it. */
const copyRun = (run: RunState): RunState => ({ ...run, pendingHolds: [...run.pendingHolds], breakage: new Map(run.breakage), marks: { ...run.marks } });

/**
 * Runs slices until no shop is left; the batch written (or joined), or none. Between two
 * slices the event loop turns and the lock is free for a moment: a till in this process
 * (the weekly job runs in the app) or another one gets its turn.
 */
export async function fillBatch(deps: SliceDeps, run: RunState): Promise<CreateBatchResult> {
  const { units } = deps;
  for (;;) {
    const upTo = await units.run(units.read((s) => planSlice(deps, s, run)));
    const { outcome, state } = await units.run(units.write(function* (s) {
      const state = copyRun(run);
      return { outcome: yield* slice(deps, s, state, upTo), state };
    }));
    Object.assign(run, state);
    if (outcome === 'done') break;
    deps.onStep?.('batch:slice');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const batchId = run.batchId;
  if (!batchId) return { batch: null, holds: run.pendingHolds };
  return units.run(units.read(function* (s) {
    const batch = (yield* s.findBatch(batchId))!;
    const holds = (yield* s.batchHolds(batchId)).map((h) => ({ merchantId: h.merchantId, reason: h.reason as HoldSummary['reason'], redemptionCount: h.redemptionCount, grossCents: h.grossCents }));
    return { batch, holds };
  }));
}

type Payable = {
  merchant: ShopRow;
  route: Extract<ReturnType<typeof payoutRoute>, { ok: true }>;
  amounts: ReturnType<typeof statementAmounts>;
  breakageCents: number;
  netCents: number;
  statementRef: string;
};

/**
 * The last merchant id of the next slice, planned outside the write lock: at most
 * `sliceMerchants` shops after the cursor, fewer when their unsettled redemptions (counted
 * on the index alone) pass SLICE_REDEMPTIONS. Only a plan: the slice re-reads everything.
 */
function* planSlice(deps: SliceDeps, s: SettlementStore, run: RunState): Step<string | null> {
  const open = run.batchId ? yield* s.findOpenBatch() : null;
  const cursor = open?.id === run.batchId ? open?.merchantCursor ?? run.cursor : run.cursor;
  const ids = yield* s.merchantIdsAfter(cursor, deps.sliceMerchants ?? DEFAULT_SLICE_MERCHANTS);
  if (ids.length === 0) return null;
  let total = 0;
  for (const c of yield* s.unsettledCounts(run.cutoff, cursor, ids.at(-1)!)) {
    total += c.n;
    if (total >= SLICE_REDEMPTIONS) return c.merchantId;
  }
  return ids.at(-1)!;
}

function* slice(deps: SliceDeps, s: SettlementStore, run: RunState, plannedUpTo: string | null): Step<'more' | 'done'> {
  const now = deps.clock.now();
  const open = yield* s.findOpenBatch();
  if (run.batchId && open?.id !== run.batchId) return 'done'; // another run closed it
  if (!run.batchId && open) {
    // Another run opened a batch meanwhile: join it (its cut-off, its cursor).
    Object.assign(run, { batchId: open.id, until: open.until, cutoff: open.cutoffAt, pendingHolds: [] });
  }
  if (open && run.batchId === open.id) run.cursor = open.merchantCursor ?? '';
  yield* refreshBreakage(s, run);
  if (plannedUpTo === null || (yield* s.merchantIdsAfter(run.cursor, 1)).length === 0) {
    if ((yield* s.merchantIdsAfter(run.cursor, 1)).length > 0) return 'more'; // the plan was stale: plan again
    if (run.batchId) yield* closeOpenBatch(deps, s, run.batchId, run.actor, now);
    return 'done';
  }
  const after = run.cursor;
  // Another run moved the cursor past the plan: nothing to do here, plan again.
  if (plannedUpTo <= after) return 'more';
  const upTo = plannedUpTo;
  yield* s.lockUnsettled(run.cutoff, after, upTo);
  const byShop = groupByShop(yield* s.unsettledGroups(run.cutoff, after, upTo));
  // A shop owed only breakage (no redemption in the period) is settled too.
  for (const [id, cents] of run.breakage) if (id > after && id <= upTo && cents > 0 && !byShop.has(id)) byShop.set(id, []);
  const vatBps = yield* s.settingInt(COMMISSION_VAT_SETTING, DEFAULT_COMMISSION_VAT_BPS);
  const rates = yield* s.campaignRates();
  const year = Number(parisDate(now).slice(0, 4));
  const batchRef = run.batchId ? (yield* s.findBatch(run.batchId))!.reference : batchReference(year, yield* s.peekSequence('settlement', year));
  let nextStatement = yield* s.peekSequence('statement', year);
  const holds: HoldSummary[] = [];
  const payable: Payable[] = [];
  for (const [merchantId, groups] of byShop) {
    const merchant = yield* s.shopRow(merchantId);
    const shares = groups.map((g) => ({ ...g, commissionBps: rates.get(g.campaignId)!, vatBps }));
    const breakageCents = run.breakage.get(merchantId) ?? 0;
    const amounts = statementAmounts(shares);
    const netCents = amounts.netCents + breakageCents;
    const statementRef = statementReference(year, nextStatement);
    const route = payoutRoute(merchant);
    // A SEPA shop's transaction is built and checked here by the code that writes the
    // file: details that would break it hold back this shop only, before anything commits.
    const reason = !route.ok ? route.reason
      : route.method === 'sepa' ? sepaHoldReason(checkSepaTransfer(statementTransfer({ reference: statementRef, netCents, accountHolder: route.accountHolder, iban: route.iban, bic: route.bic }, batchRef)))
      : null;
    if (route.ok && reason === null) {
      payable.push({ merchant, route, amounts, breakageCents, netCents, statementRef });
      nextStatement++;
    } else holds.push({ merchantId, reason: reason!, redemptionCount: sum(shares, 'redemptionCount'), grossCents: sum(shares, 'grossCents') + breakageCents });
  }
  if (payable.length > 0 && !run.batchId) {
    deps.onStep?.('batch:start');
    run.batchId = yield* openBatch(s, run, year, now);
    holds.unshift(...run.pendingHolds);
    run.pendingHolds = [];
  }
  const totals = { grossCents: 0, commissionCents: 0, vatCents: 0, netCents: 0 };
  for (const p of payable) {
    yield* writeStatement(s, run, p, { year, batchRef, now });
    totals.grossCents += p.amounts.grossCents;
    totals.commissionCents += p.amounts.commissionCents;
    totals.vatCents += p.amounts.vatCents;
    totals.netCents += p.netCents;
    deps.onStep?.('batch:statement');
  }
  if (run.batchId) {
    yield* s.insertHolds(run.batchId, holds);
    yield* s.advanceBatch(run.batchId, totals, upTo);
  } else run.pendingHolds.push(...holds);
  run.cursor = upTo;
  run.marks = yield* s.journalCounterMarks();
  return 'more';
}

function* openBatch(s: SettlementStore, run: RunState, year: number, now: Date): Step<string> {
  const id = newId();
  const reference = batchReference(year, yield* s.nextInSequence('settlement', year));
  yield* s.insertBatch({
    id, reference, until: run.until, cutoffAt: run.cutoff, messageId: `${reference}-${id.slice(-8)}`.slice(0, 35),
    grossCents: 0, commissionCents: 0, vatCents: 0, netCents: 0, sepaExecutedAt: null, sepaExecutedBy: null, createdBy: run.actor, createdAt: now.toISOString(),
    closedAt: null, merchantCursor: run.cursor,
  });
  return id;
}

function* writeStatement(s: SettlementStore, run: RunState, p: Payable, ctx: { year: number; batchRef: string; now: Date }): Step<void> {
  const { amounts, netCents } = p;
  const statementId = newId();
  const statementRef = statementReference(ctx.year, yield* s.nextInSequence('statement', ctx.year));
  if (statementRef !== p.statementRef) throw new Error(`statement ${p.statementRef}: sequence moved inside the transaction`);
  const journalId = yield* postJournalSteps(s, {
    kind: 'settlement',
    description: `Statement ${statementRef} (${ctx.batchRef})`,
    lines: [
      { account: Accounts.merchantPayable(p.merchant.id), amountCents: amounts.grossCents + p.breakageCents },
      { account: Accounts.commissionRevenue, amountCents: -amounts.commissionCents },
      { account: Accounts.vatCollected, amountCents: -amounts.vatCents },
      { account: Accounts.payoutsPending, amountCents: -netCents },
    ].filter((l) => l.amountCents !== 0),
  }, ctx.now);
  // The commission invoice: numbered with the other invoices, from their locked counter row.
  const invoiceNumber = formatInvoiceNumber(ctx.year, yield* s.nextInSequence('invoice', ctx.year));
  yield* s.insertStatement({
    id: statementId, reference: statementRef, batchId: run.batchId!, merchantId: p.merchant.id, merchantSiret: p.merchant.siret, redemptionCount: amounts.redemptionCount,
    grossCents: amounts.grossCents, commissionCents: amounts.commissionCents, vatCents: amounts.vatCents, breakageCents: p.breakageCents, netCents,
    method: p.route.method, iban: p.route.method === 'sepa' ? p.route.iban : null, bic: p.route.method === 'sepa' ? p.route.bic : null,
    accountHolder: p.route.accountHolder, stripeAccountId: p.route.method === 'stripe' ? p.route.stripeAccountId : null,
    stripeTransferId: null, status: 'pending', failureReason: null, invoiceNumber,
    journalId, paidJournalId: null, paidAt: null, createdAt: ctx.now.toISOString(), reversedCents: 0, sepaFileSeq: null, sepaHoldReason: null,
  });
  yield* s.insertStatementCampaigns(amounts.campaigns.map((c) => ({
    statementId, campaignId: c.campaignId, commissionBps: c.commissionBps, vatBps: c.vatBps, redemptionCount: c.redemptionCount,
    grossCents: c.grossCents, commissionCents: c.commissionCents, vatCents: c.vatCents,
  })));
  const stamped = yield* s.stampRedemptions(p.merchant.id, run.cutoff, statementId);
  // Priced and stamped in one unit of work: a difference means a redemption moved in
  // between (a void committed meanwhile, PostgreSQL): the slice rolls back and runs again.
  if (stamped.count !== amounts.redemptionCount || stamped.grossCents !== amounts.grossCents) {
    throw new RunAgain(`statement ${statementRef}: ${stamped.count} redemptions (${stamped.grossCents} c) stamped, ${amounts.redemptionCount} (${amounts.grossCents} c) priced`);
  }
  for (const to of yield* s.shopRecipients(p.merchant)) yield* s.enqueueMessage({ kind: 'settlement_statement', recipient: to, payload: { statementId } }, ctx.now);
  // Settled breakage is no longer owed (the journal just posted debits it).
  run.breakage.delete(p.merchant.id);
}

function* closeOpenBatch(deps: SliceDeps, s: SettlementStore, batchId: string, actor: string, now: Date): Step<void> {
  const b = (yield* s.findBatch(batchId))!;
  deps.onStep?.('batch:before-commit');
  if (!(yield* s.closeBatch(batchId, now.toISOString()))) return;
  yield* s.audit({
    actor, action: 'settlement_batch_created', entityType: 'settlement_batch', entityId: batchId,
    after: { reference: b.reference, until: b.until, statements: yield* s.batchStatementCount(batchId), holds: (yield* s.batchHolds(batchId)).length, grossCents: b.grossCents, netCents: b.netCents },
  }, now);
}

/**
 * Breakage owed was read once, on a snapshot, outside the slices (its query reads every
 * payable line). A slice re-reads it only when a journal that changes it — settlement (RG)
 * or expiry (OD) — was posted by someone else since: the counters tell, for free.
 */
function* refreshBreakage(s: SettlementStore, run: RunState): Step<void> {
  const now = yield* s.journalCounterMarks();
  if ((now.RG ?? 0) !== (run.marks.RG ?? 0) || (now.OD ?? 0) !== (run.marks.OD ?? 0)) {
    run.breakage = yield* s.owedBreakage();
    run.marks = now;
  }
}

const batchReference = (year: number, seq: number) => `RGL-${year}-${String(seq).padStart(4, '0')}`;
const statementReference = (year: number, seq: number) => `REL-${year}-${String(seq).padStart(6, '0')}`;

function groupByShop<T extends { merchantId: string }>(rows: T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) (m.get(r.merchantId) ?? m.set(r.merchantId, []).get(r.merchantId)!).push(r);
  return m;
}

const sum = <T>(rows: T[], k: keyof T) => rows.reduce((s, r) => s + (r[k] as number), 0);

export type { SettlementBatch };
