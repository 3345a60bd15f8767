/**
 * Paying statements after their batch committed. Each step re-reads the statement inside
 * a transaction and only moves `pending`/`failed` → `paid`, so a replay, a webhook arriving
 * first, or two processes at once change nothing twice.
 */
import type { Database_ } from '../../../db/client';
import { runSync, type Step } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { Accounts } from '../ledger/accounts';
import { postJournalSteps } from '../ledger/journal-store';
import { recordFirstFile } from './sepa-files';
import type { SettlementStore, SettlementUnits } from './settlement-store';
import { sqliteSettlementUnits } from './settlement-store-sqlite';
import type { Statement } from './settlements-repository';

/** Stripe Connect transfers, behind an interface (the SDK in production, the local stand-in in tests). */
export interface TransferGateway {
  createTransfer(t: { amountCents: number; destination: string; transferGroup: string; description: string; idempotencyKey: string; statementId: string }): Promise<{ id: string }>;
  /**
   * The transfer an earlier attempt made for this statement (in the batch's transfer group,
   * statement id in metadata), or null. Stripe prunes idempotency keys after 24 h, and the
   * weekly run retries days later: only a look-up can tell a lost answer from no transfer.
   */
  findTransfer(q: { transferGroup: string; statementId: string }): Promise<{ id: string } | null>;
}

/**
 * Stripe refuses a transfer the platform balance cannot cover (`balance_insufficient`): the
 * shop's details are fine, so the statement stays payable (pending) and the next run pays it.
 */
const isBalanceShort = (err: unknown) => (err as { code?: string }).code === 'balance_insufficient';

export interface PayoutDeps {
  database: Database_;
  clock: Clock;
  transfers: TransferGateway | null;
}

/** The same on either backend: its units of work. */
export interface PayoutCore {
  units: SettlementUnits;
  clock: Clock;
  transfers: TransferGateway | null;
}

type Sqlite = Pick<PayoutDeps, 'database' | 'clock'>;
const unitsOf = (deps: Sqlite) => sqliteSettlementUnits(deps.database);

/** Pays every Stripe statement not yet paid (any batch): returns what happened to each. */
export async function payStripeStatements(deps: PayoutCore, onStep?: (step: string) => void): Promise<{ paid: number; failed: number }> {
  const { units, clock } = deps;
  const due = await units.run(units.read((s) => s.dueStripeStatements()));
  let paid = 0;
  let failed = 0;
  for (const st of due) {
    if (!deps.transfers) {
      await units.run(units.write((s) => setFailure(s, clock, st.id, 'stripe_not_configured')));
      failed++;
      continue;
    }
    const batch = (await units.run(units.read((s) => s.findBatch(st.batchId))))!;
    // A failed transfer is retried to the shop's current account (it may have been fixed).
    const current = st.status === 'failed' ? (await units.run(units.read((s) => s.merchantBanking(st.merchantId))))?.stripeAccountId ?? null : null;
    const destination = current ?? st.stripeAccountId!;
    if (destination !== st.stripeAccountId) await units.run(units.write((s) => s.setStatementDestination(st.id, destination)));
    try {
      // A transfer an earlier attempt made (answer lost, crash before the commit) is found
      // first; the idempotency key only covers retries within Stripe's 24 hours.
      const t = (await deps.transfers.findTransfer({ transferGroup: batch.reference, statementId: st.id })) ?? (await deps.transfers.createTransfer({
        amountCents: st.netCents, destination, transferGroup: batch.reference,
        description: `${st.reference} ${batch.reference}`, idempotencyKey: `statement-${st.id}-${destination}`, statementId: st.id,
      }));
      onStep?.('stripe:after-transfer');
      if (await units.run(units.write((s) => markPaidSteps(s, clock, st.id, { stripeTransferId: t.id, actor: PAYOUT_ACTOR })))) paid++;
    } catch (err) {
      const short = isBalanceShort(err);
      await units.run(units.write((s) => setFailure(s, clock, st.id, short ? 'balance_insufficient' : err instanceof Error ? err.message.slice(0, 200) : 'transfer_failed', short ? 'pending' : 'failed')));
      failed++;
    }
  }
  return { paid, failed };
}

/** Who moves money when no operator does: the payout run, or Stripe telling us about a transfer. */
const PAYOUT_ACTOR = 'system:payout';
const STRIPE_ACTOR = 'provider:stripe';

/** A statement Stripe has paid, even if it later took some back: never paid again by a run. */
const wasPaid = (status: Statement['status']) => status === 'paid' || status === 'partially_reversed';

/** Not paid this time: `failed` (the shop's account must be looked at) or still `pending` (our balance was short). */
function* setFailure(s: SettlementStore, clock: Clock, id: string, reason: string, status: 'failed' | 'pending' = 'failed'): Step<void> {
  const st = yield* s.findStatement(id);
  if (!st || wasPaid(st.status)) return;
  yield* s.setStatementFailure(id, status, reason);
  // A retry failing the same way again is not news: only a change is recorded.
  if (st.status !== status || st.failureReason !== reason) {
    yield* s.audit({ actor: PAYOUT_ACTOR, action: 'statement_payout_failed', entityType: 'statement', entityId: id, before: { status: st.status, failureReason: st.failureReason }, after: { status, failureReason: reason, netCents: st.netCents } }, clock.now());
  }
}

/**
 * pending/failed → paid with its journal: the net leaves `payouts_pending` for the bank
 * (SEPA) or the Stripe balance. Returns false when it was already paid, or when its
 * transfer was reversed (a late confirmation of the reversed transfer).
 */
export function* markPaidSteps(s: SettlementStore, clock: Clock, statementId: string, how: { stripeTransferId?: string; actor: string }): Step<boolean> {
  const st = yield* s.findStatement(statementId);
  if (!st) throw new AppError('STATEMENT_NOT_FOUND', 404, 'errors.not_found');
  if (wasPaid(st.status)) return false;
  // A reversed transfer stays reversed: Stripe does not order its events and retries them
  // for days, so a `transfer.created` arriving after `transfer.reversed` must not pay the
  // statement again (the money is back on our balance; paying it again is the operator's call).
  if (st.reversedCents > 0) return false;
  const now = clock.now();
  const paidJournalId = st.netCents === 0 ? null : yield* postJournalSteps(s, {
    kind: 'settlement_payout',
    description: `Payout of ${st.reference}${how.stripeTransferId ? ` (${how.stripeTransferId})` : ' (SEPA)'}`,
    lines: [
      { account: Accounts.payoutsPending, amountCents: st.netCents },
      { account: st.method === 'stripe' ? Accounts.paymentsClearing('stripe') : Accounts.bank, amountCents: -st.netCents },
    ],
  }, now);
  const stripeTransferId = how.stripeTransferId ?? st.stripeTransferId;
  yield* s.setStatementPaid(st.id, { paidAt: now.toISOString(), paidJournalId, stripeTransferId });
  yield* s.audit({ actor: how.actor, action: 'statement_paid', entityType: 'statement', entityId: st.id, before: { status: st.status }, after: { status: 'paid', netCents: st.netCents, method: st.method, stripeTransferId: stripeTransferId ?? null } }, now);
  return true;
}

/** markPaidSteps on SQLite, in one BEGIN IMMEDIATE. */
export function markPaid(deps: Sqlite, statementId: string, how: { stripeTransferId?: string; actor: string }): boolean {
  return runSync(unitsOf(deps).write((s) => markPaidSteps(s, deps.clock, statementId, how)));
}

/**
 * The operator confirms the bank executed a SEPA file of the batch: the statements it
 * carries are paid, and no other (a statement left out of the file is still owed). `seq`
 * names the file; without it, the batch's only file not yet confirmed. Once every SEPA
 * statement of the batch is paid, the batch is executed.
 */
export function* markSepaExecutedSteps(units: SettlementUnits, clock: Clock, batchId: string, actor: string, seq?: number): Step<{ alreadyExecuted: boolean; paid: number }> {
  const batch = yield* units.read((s) => s.findBatch(batchId));
  if (!batch) throw new AppError('BATCH_NOT_FOUND', 404, 'errors.not_found');
  if (batch.sepaExecutedAt) return { alreadyExecuted: true, paid: 0 };
  // A batch settled before files were recorded: its file (the one the operator downloaded) is recorded now.
  yield* units.write((s) => recordFirstFile(s, batch));
  const files = yield* units.read((s) => s.batchSepaFiles(batchId));
  if (files.length === 0) throw new AppError('NO_SEPA_FILE', 409, 'operator.settlement.no_file');
  const open = files.filter((f) => !f.executedAt);
  if (seq === undefined && open.length > 1) throw new AppError('SEPA_FILE_REQUIRED', 422, 'operator.settlement.file_required');
  const file = seq === undefined ? open[0] : files.find((f) => f.seq === seq);
  if (seq !== undefined && !file) throw new AppError('SEPA_FILE_NOT_FOUND', 404, 'errors.not_found');
  if (!file || file.executedAt) return { alreadyExecuted: true, paid: 0 };
  let paid = 0;
  for (const st of yield* units.read((s) => s.batchSepaStatements(batchId, file.seq))) if (yield* units.write((s) => markPaidSteps(s, clock, st.id, { actor }))) paid++;
  yield* units.write(function* (s) {
    const now = clock.now();
    if ((yield* s.markSepaFileExecuted(batchId, file.seq, now.toISOString(), actor)) !== 1) return;
    const complete = (yield* s.batchSepaStatements(batchId)).every((st) => st.status === 'paid');
    // A batch paid by its one file keeps its one entry (below); a file among several, or one
    // leaving a statement still owed, is recorded on its own.
    if (!complete || files.length > 1) {
      yield* s.audit({ actor, action: 'settlement_sepa_file_executed', entityType: 'settlement_batch', entityId: batchId, before: { executedAt: null }, after: { seq: file.seq, messageId: file.messageId, statementsPaid: paid } }, now);
    }
    if (!complete) return;
    if ((yield* s.markBatchExecuted(batchId, now.toISOString(), actor)) === 1) {
      yield* s.audit({ actor, action: 'settlement_sepa_executed', entityType: 'settlement_batch', entityId: batchId, before: { sepaExecutedAt: null }, after: { reference: batch.reference, statementsPaid: paid } }, now);
    }
  });
  return { alreadyExecuted: false, paid };
}

/** markSepaExecutedSteps on SQLite, synchronously. */
export function markSepaExecuted(deps: Sqlite, batchId: string, actor: string, seq?: number): { alreadyExecuted: boolean; paid: number } {
  return runSync(markSepaExecutedSteps(unitsOf(deps), deps.clock, batchId, actor, seq));
}

/**
 * A Stripe webhook about a transfer: created confirms the payment; reversed books what Stripe
 * took back (`amount_reversed` is cumulative; `transfer.reversed` fires for partial
 * reversals too), so a replay or an older event books nothing twice.
 */
export function applyTransferEvent(deps: Sqlite, e: TransferEvent): 'applied' | 'ignored' {
  return runSync(transferEventSteps(unitsOf(deps), deps.clock, e));
}

/** applyTransferEvent on either backend's units (PostgreSQL: pgSettlementUnits, each write after the settlement lock). */
export function applyTransferEventOn(core: Pick<PayoutCore, 'units' | 'clock'>, e: TransferEvent): Promise<'applied' | 'ignored'> {
  return core.units.run(transferEventSteps(core.units, core.clock, e));
}

export type TransferEvent = { type: string; transferId: string; statementId?: string; amountReversed?: number; reversed?: boolean };

function* transferEventSteps(units: SettlementUnits, clock: Clock, e: TransferEvent): Step<'applied' | 'ignored'> {
  const id = yield* units.read((s) => s.statementIdForTransfer(e.transferId, e.statementId ?? ''));
  if (!id) return 'ignored';
  if (e.type === 'transfer.created') return (yield* units.write((s) => markPaidSteps(s, clock, id, { stripeTransferId: e.transferId, actor: STRIPE_ACTOR }))) ? 'applied' : 'ignored';
  if (e.type === 'transfer.reversed') return (yield* units.write((s) => reverseTransfer(s, clock, id, e))) ? 'applied' : 'ignored';
  return 'ignored';
}

/**
 * Books the part of the transfer reversed since the last event back to payouts_pending (the
 * shop is owed it again). A partial reversal leaves the statement `partially_reversed` with
 * the amount still owed visible; a full one puts it back to failed, as before. Neither is
 * re-sent by itself: a reversal needs the operator to look (wrong account? dispute?).
 */
function* reverseTransfer(s: SettlementStore, clock: Clock, statementId: string, e: { amountReversed?: number; reversed?: boolean }): Step<boolean> {
  const st = (yield* s.findStatement(statementId))!;
  if (!wasPaid(st.status)) return false;
  const total = e.reversed ? st.netCents : Math.min(e.amountReversed ?? 0, st.netCents);
  const delta = total - st.reversedCents;
  if (delta <= 0) return false;
  const now = clock.now();
  yield* postJournalSteps(s, {
    kind: 'settlement_payout_reversal',
    description: `Stripe transfer ${st.stripeTransferId} of ${st.reference} reversed (${delta} of ${st.netCents} cents)`,
    lines: [
      { account: Accounts.paymentsClearing('stripe'), amountCents: delta },
      { account: Accounts.payoutsPending, amountCents: -delta },
    ],
  }, now);
  const full = total === st.netCents;
  const after = full
    ? { status: 'failed' as const, failureReason: 'transfer_reversed', reversedCents: total, clearPaidAt: true }
    : { status: 'partially_reversed' as const, failureReason: 'transfer_partially_reversed', reversedCents: total, clearPaidAt: false };
  yield* s.setStatementReversed(st.id, after);
  yield* s.audit({ actor: STRIPE_ACTOR, action: 'statement_transfer_reversed', entityType: 'statement', entityId: st.id, before: { status: st.status, stripeTransferId: st.stripeTransferId, reversedCents: st.reversedCents }, after: { status: after.status, failureReason: after.failureReason, netCents: st.netCents, reversedCents: total, owedCents: total } }, now);
  return true;
}
