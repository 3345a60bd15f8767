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
 *   between fails the slice (rolled back, the next run retries), and a void of a stamped
 *   redemption is refused (redemptions-repository.markVoided).
 */
import type { Tx } from '../../../db/client';
import { settlementBatches, settlementHolds, statementCampaigns, statements } from '../../../db/schema/index';
import { newId } from '../../lib/ids';
import { parisDate } from '../../lib/paris-time';
import { enqueueMessage } from '../../mail/outbox-repository';
import { checkSepaTransfer } from '../../settlement/sepa-pain001';
import { audit } from '../audit/audit-log';
import { allocateInvoiceNumber, nextInSequence } from '../invoices/invoice-numbers';
import { Accounts } from '../ledger/accounts';
import { postJournal } from '../ledger/ledger-repository';
import { DEFAULT_COMMISSION_VAT_BPS, statementAmounts } from './commission';
import { payoutRoute, sepaHoldReason } from './payout-route';
import { statementTransfer } from './sepa-export';
import { COMMISSION_VAT_SETTING, type CreateBatchResult, type HoldSummary, type SettlementDeps } from './settlement-service';
import {
  advanceBatch, batchHolds, batchStatementCount, closeBatch, findBatch, findOpenBatch, journalCounterMarks, merchantIdsAfter, owedBreakage, peekSequence,
  settingInt, stampRedemptions, unsettledCounts, unsettledGroups, type SettlementBatch,
} from './settlements-repository';
import { sql } from 'drizzle-orm';

export const DEFAULT_SLICE_MERCHANTS = 50;
/**
 * Redemptions a slice stamps at most (unless one shop alone has more): bounds the time the
 * write lock is held whatever the shops' sizes (bench/settle-till.bench.ts).
 */
export const SLICE_REDEMPTIONS = 2_000;

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

export function newRun(deps: SettlementDeps, input: { until: string; cutoff: string; actor: string }): RunState {
  const { breakage, marks } = deps.database.snapshot((tx) => ({ breakage: owedBreakage(tx), marks: journalCounterMarks(tx) }));
  return { ...input, batchId: null, cursor: '', pendingHolds: [], breakage, marks };
}

/** Completes a batch left open by a crashed or concurrent run; null when none is open. */
export async function resumeOpenBatch(deps: SettlementDeps, actor: string): Promise<CreateBatchResult | null> {
  const open = findOpenBatch(deps.database.db);
  if (!open) return null;
  const run = newRun(deps, { until: open.until, cutoff: open.cutoffAt, actor });
  return fillBatch(deps, { ...run, batchId: open.id, cursor: open.merchantCursor ?? '' });
}

/**
 * Runs slices until no shop is left; the batch written (or joined), or none. Between two
 * slices the event loop turns and the lock is free for a moment: a till in this process
 * (the weekly job runs in the app) or another one gets its turn.
 */
export async function fillBatch(deps: SettlementDeps, run: RunState): Promise<CreateBatchResult> {
  for (;;) {
    const upTo = planSlice(deps, run);
    if (deps.database.transaction((tx) => slice(deps, tx, run, upTo)) === 'done') break;
    deps.onStep?.('batch:slice');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  if (!run.batchId) return { batch: null, holds: run.pendingHolds };
  const db = deps.database.db;
  return { batch: findBatch(db, run.batchId)!, holds: batchHolds(db, run.batchId).map((h) => ({ merchantId: h.merchantId, reason: h.reason as HoldSummary['reason'], redemptionCount: h.redemptionCount, grossCents: h.grossCents })) };
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
function planSlice(deps: SettlementDeps, run: RunState): string | null {
  const db = deps.database.db;
  const open = run.batchId ? findOpenBatch(db) : null;
  const cursor = open?.id === run.batchId ? open?.merchantCursor ?? run.cursor : run.cursor;
  const ids = merchantIdsAfter(db, cursor, deps.sliceMerchants ?? DEFAULT_SLICE_MERCHANTS);
  if (ids.length === 0) return null;
  let total = 0;
  for (const c of unsettledCounts(db, run.cutoff, cursor, ids.at(-1)!)) {
    total += c.n;
    if (total >= SLICE_REDEMPTIONS) return c.merchantId;
  }
  return ids.at(-1)!;
}

function slice(deps: SettlementDeps, tx: Tx, run: RunState, plannedUpTo: string | null): 'more' | 'done' {
  const now = deps.clock.now();
  const open = findOpenBatch(tx);
  if (run.batchId && open?.id !== run.batchId) return 'done'; // another run closed it
  if (!run.batchId && open) {
    // Another run opened a batch meanwhile: join it (its cut-off, its cursor).
    Object.assign(run, { batchId: open.id, until: open.until, cutoff: open.cutoffAt, pendingHolds: [] });
  }
  if (open && run.batchId === open.id) run.cursor = open.merchantCursor ?? '';
  refreshBreakage(tx, run);
  if (plannedUpTo === null || merchantIdsAfter(tx, run.cursor, 1).length === 0) {
    if (merchantIdsAfter(tx, run.cursor, 1).length > 0) return 'more'; // the plan was stale: plan again
    if (run.batchId) closeOpenBatch(deps, tx, run.batchId, run.actor, now);
    return 'done';
  }
  const after = run.cursor;
  // Another run moved the cursor past the plan: nothing to do here, plan again.
  if (plannedUpTo <= after) return 'more';
  const upTo = plannedUpTo;
  const byShop = groupByShop(unsettledGroups(tx, run.cutoff, after, upTo));
  // A shop owed only breakage (no redemption in the period) is settled too.
  for (const [id, cents] of run.breakage) if (id > after && id <= upTo && cents > 0 && !byShop.has(id)) byShop.set(id, []);
  const vatBps = settingInt(tx, COMMISSION_VAT_SETTING, DEFAULT_COMMISSION_VAT_BPS);
  const rates = campaignRates(tx);
  const year = Number(parisDate(now).slice(0, 4));
  const batchRef = run.batchId ? findBatch(tx, run.batchId)!.reference : batchReference(year, peekSequence(tx, 'settlement', year));
  let nextStatement = peekSequence(tx, 'statement', year);
  const holds: HoldSummary[] = [];
  const payable: Payable[] = [];
  for (const [merchantId, groups] of byShop) {
    const merchant = shopRow(tx, merchantId);
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
    run.batchId = openBatch(tx, run, year, now);
    holds.unshift(...run.pendingHolds);
    run.pendingHolds = [];
  }
  const totals = { grossCents: 0, commissionCents: 0, vatCents: 0, netCents: 0 };
  for (const p of payable) {
    writeStatement(deps, tx, run, p, { year, batchRef, now });
    totals.grossCents += p.amounts.grossCents;
    totals.commissionCents += p.amounts.commissionCents;
    totals.vatCents += p.amounts.vatCents;
    totals.netCents += p.netCents;
    deps.onStep?.('batch:statement');
  }
  if (run.batchId) {
    if (holds.length) tx.insert(settlementHolds).values(holds.map((h) => ({ batchId: run.batchId!, ...h }))).run();
    advanceBatch(tx, run.batchId, totals, upTo);
  } else run.pendingHolds.push(...holds);
  run.cursor = upTo;
  run.marks = journalCounterMarks(tx);
  return 'more';
}

function openBatch(tx: Tx, run: RunState, year: number, now: Date): string {
  const id = newId();
  const reference = batchReference(year, nextInSequence(tx, 'settlement', year));
  tx.insert(settlementBatches).values({
    id, reference, until: run.until, cutoffAt: run.cutoff, messageId: `${reference}-${id.slice(-8)}`.slice(0, 35),
    grossCents: 0, commissionCents: 0, vatCents: 0, netCents: 0, sepaExecutedAt: null, sepaExecutedBy: null, createdBy: run.actor, createdAt: now.toISOString(),
    closedAt: null, merchantCursor: run.cursor,
  }).run();
  return id;
}

function writeStatement(deps: SettlementDeps, tx: Tx, run: RunState, p: Payable, ctx: { year: number; batchRef: string; now: Date }): void {
  const { amounts, netCents } = p;
  const statementId = newId();
  const statementRef = statementReference(ctx.year, nextInSequence(tx, 'statement', ctx.year));
  if (statementRef !== p.statementRef) throw new Error(`statement ${p.statementRef}: sequence moved inside the transaction`);
  const journalId = postJournal(tx, {
    kind: 'settlement',
    description: `Statement ${statementRef} (${ctx.batchRef})`,
    lines: [
      { account: Accounts.merchantPayable(p.merchant.id), amountCents: amounts.grossCents + p.breakageCents },
      { account: Accounts.commissionRevenue, amountCents: -amounts.commissionCents },
      { account: Accounts.vatCollected, amountCents: -amounts.vatCents },
      { account: Accounts.payoutsPending, amountCents: -netCents },
    ].filter((l) => l.amountCents !== 0),
  }, ctx.now);
  tx.insert(statements).values({
    id: statementId, reference: statementRef, batchId: run.batchId!, merchantId: p.merchant.id, merchantSiret: p.merchant.siret, redemptionCount: amounts.redemptionCount,
    grossCents: amounts.grossCents, commissionCents: amounts.commissionCents, vatCents: amounts.vatCents, breakageCents: p.breakageCents, netCents,
    method: p.route.method, iban: p.route.method === 'sepa' ? p.route.iban : null, bic: p.route.method === 'sepa' ? p.route.bic : null,
    accountHolder: p.route.accountHolder, stripeAccountId: p.route.method === 'stripe' ? p.route.stripeAccountId : null,
    stripeTransferId: null, status: 'pending', failureReason: null, invoiceNumber: allocateInvoiceNumber(tx, ctx.year).number,
    journalId, paidJournalId: null, paidAt: null, createdAt: ctx.now.toISOString(),
  }).run();
  if (amounts.campaigns.length) tx.insert(statementCampaigns).values(amounts.campaigns.map((c) => ({
    statementId, campaignId: c.campaignId, commissionBps: c.commissionBps, vatBps: c.vatBps, redemptionCount: c.redemptionCount,
    grossCents: c.grossCents, commissionCents: c.commissionCents, vatCents: c.vatCents,
  }))).run();
  const stamped = stampRedemptions(tx, p.merchant.id, run.cutoff, statementId);
  // Priced and stamped under the same lock: a difference means a redemption moved in
  // between (a void from elsewhere): the slice rolls back and the next run prices again.
  if (stamped.count !== amounts.redemptionCount || stamped.grossCents !== amounts.grossCents) {
    throw new Error(`statement ${statementRef}: ${stamped.count} redemptions (${stamped.grossCents} c) stamped, ${amounts.redemptionCount} (${amounts.grossCents} c) priced`);
  }
  for (const to of shopRecipients(tx, p.merchant)) enqueueMessage(tx, { kind: 'settlement_statement', recipient: to, payload: { statementId } }, ctx.now);
  // Settled breakage is no longer owed (the journal just posted debits it).
  run.breakage.delete(p.merchant.id);
}

function closeOpenBatch(deps: SettlementDeps, tx: Tx, batchId: string, actor: string, now: Date): void {
  const b = findBatch(tx, batchId)!;
  deps.onStep?.('batch:before-commit');
  if (!closeBatch(tx, batchId, now.toISOString())) return;
  audit(tx, {
    actor, action: 'settlement_batch_created', entityType: 'settlement_batch', entityId: batchId,
    after: { reference: b.reference, until: b.until, statements: batchStatementCount(tx, batchId), holds: batchHolds(tx, batchId).length, grossCents: b.grossCents, netCents: b.netCents },
  }, now);
}

/**
 * Breakage owed was read once, on a snapshot, outside the slices (its query reads every
 * payable line). A slice re-reads it only when a journal that changes it — settlement (RG)
 * or expiry (OD) — was posted by someone else since: the counters tell, for free.
 */
function refreshBreakage(tx: Tx, run: RunState): void {
  const now = journalCounterMarks(tx);
  if ((now.RG ?? 0) !== (run.marks.RG ?? 0) || (now.OD ?? 0) !== (run.marks.OD ?? 0)) {
    run.breakage = owedBreakage(tx);
    run.marks = now;
  }
}

const batchReference = (year: number, seq: number) => `RGL-${year}-${String(seq).padStart(4, '0')}`;
const statementReference = (year: number, seq: number) => `REL-${year}-${String(seq).padStart(6, '0')}`;

type ShopRow = { id: string; slug: string; name: string; siret: string | null; iban: string | null; bic: string | null; accountHolder: string | null; stripeAccountId: string | null; contactEmail: string | null };

function shopRow(tx: Tx, id: string): ShopRow {
  return tx.get<ShopRow>(sql`SELECT id, slug, name, siret, iban, bic, account_holder AS accountHolder, stripe_account_id AS stripeAccountId, contact_email AS contactEmail FROM merchants WHERE id = ${id}`);
}

/** The shop's contact address, else its owners (active accounts). */
function shopRecipients(tx: Tx, shop: ShopRow): string[] {
  if (shop.contactEmail) return [shop.contactEmail];
  return tx.all<{ email: string }>(sql`SELECT email FROM merchant_users WHERE merchant_id = ${shop.id} AND role = 'owner' AND removed_at IS NULL ORDER BY email`).map((r) => r.email);
}

function campaignRates(tx: Tx): Map<string, number> {
  return new Map(tx.all<{ id: string; bps: number }>(sql`SELECT id, commission_bps AS bps FROM campaigns`).map((r) => [r.id, r.bps]));
}

function groupByShop<T extends { merchantId: string }>(rows: T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) (m.get(r.merchantId) ?? m.set(r.merchantId, []).get(r.merchantId)!).push(r);
  return m;
}

const sum = <T>(rows: T[], k: keyof T) => rows.reduce((s, r) => s + (r[k] as number), 0);

export type { SettlementBatch };
