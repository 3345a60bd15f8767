/**
 * Paying statements after their batch committed. Each step re-reads the statement inside
 * a transaction and only moves `pending`/`failed` → `paid`, so a replay, a webhook arriving
 * first, or two processes at once change nothing twice.
 */
import { audit } from '../audit/audit-log';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database_ } from '../../../db/client';
import { settlementBatches, statements } from '../../../db/schema/index';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { Accounts } from '../ledger/accounts';
import { postJournal } from '../ledger/ledger-repository';
import { recordFirstFile } from './sepa-files';
import { batchSepaFiles, batchSepaStatements, findBatch, findStatement, markSepaFileExecuted, type Statement } from './settlements-repository';

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

/** Pays every Stripe statement not yet paid (any batch): returns what happened to each. */
export async function payStripeStatements(deps: PayoutDeps, onStep?: (step: string) => void): Promise<{ paid: number; failed: number }> {
  const due = deps.database.db.select().from(statements)
    .where(and(eq(statements.method, 'stripe'), inArray(statements.status, ['pending', 'failed']), isNull(statements.stripeTransferId)))
    .orderBy(statements.reference).all();
  let paid = 0;
  let failed = 0;
  for (const s of due) {
    if (!deps.transfers) {
      setFailure(deps, s.id, 'stripe_not_configured');
      failed++;
      continue;
    }
    const batch = findBatch(deps.database.db, s.batchId)!;
    // A failed transfer is retried to the shop's current account (it may have been fixed).
    const destination = s.status === 'failed' ? currentStripeAccount(deps, s.merchantId) ?? s.stripeAccountId! : s.stripeAccountId!;
    if (destination !== s.stripeAccountId) deps.database.transaction((tx) => tx.update(statements).set({ stripeAccountId: destination }).where(sql`id = ${s.id} AND status != 'paid'`).run());
    try {
      // A transfer an earlier attempt made (answer lost, crash before the commit) is found
      // first; the idempotency key only covers retries within Stripe's 24 hours.
      const t = (await deps.transfers.findTransfer({ transferGroup: batch.reference, statementId: s.id })) ?? (await deps.transfers.createTransfer({
        amountCents: s.netCents, destination, transferGroup: batch.reference,
        description: `${s.reference} ${batch.reference}`, idempotencyKey: `statement-${s.id}-${destination}`, statementId: s.id,
      }));
      onStep?.('stripe:after-transfer');
      if (markPaid(deps, s.id, { stripeTransferId: t.id, actor: PAYOUT_ACTOR })) paid++;
    } catch (err) {
      setFailure(deps, s.id, isBalanceShort(err) ? 'balance_insufficient' : err instanceof Error ? err.message.slice(0, 200) : 'transfer_failed', isBalanceShort(err) ? 'pending' : 'failed');
      failed++;
    }
  }
  return { paid, failed };
}

const currentStripeAccount = (deps: PayoutDeps, merchantId: string) =>
  deps.database.db.get<{ a: string | null } | undefined>(sql`SELECT stripe_account_id AS a FROM merchants WHERE id = ${merchantId}`)?.a ?? null;

/** Who moves money when no operator does: the payout run, or Stripe telling us about a transfer. */
const PAYOUT_ACTOR = 'system:payout';
const STRIPE_ACTOR = 'provider:stripe';

/** A statement Stripe has paid, even if it later took some back: never paid again by a run. */
const wasPaid = (status: Statement['status']) => status === 'paid' || status === 'partially_reversed';

/** Not paid this time: `failed` (the shop's account must be looked at) or still `pending` (our balance was short). */
function setFailure(deps: PayoutDeps, id: string, reason: string, status: 'failed' | 'pending' = 'failed'): void {
  deps.database.transaction((tx) => {
    const s = findStatement(tx, id);
    if (!s || wasPaid(s.status)) return;
    tx.update(statements).set({ status, failureReason: reason }).where(sql`id = ${id} AND status IN ('pending', 'failed')`).run();
    // A retry failing the same way again is not news: only a change is recorded.
    if (s.status !== status || s.failureReason !== reason) {
      audit(tx, { actor: PAYOUT_ACTOR, action: 'statement_payout_failed', entityType: 'statement', entityId: id, before: { status: s.status, failureReason: s.failureReason }, after: { status, failureReason: reason, netCents: s.netCents } }, deps.clock.now());
    }
  });
}

/**
 * pending/failed → paid with its journal: the net leaves `payouts_pending` for the bank
 * (SEPA) or the Stripe balance. Returns false when it was already paid, or when its
 * transfer was reversed (a late confirmation of the reversed transfer).
 */
export function markPaid(deps: Pick<PayoutDeps, 'database' | 'clock'>, statementId: string, how: { stripeTransferId?: string; actor: string }): boolean {
  return deps.database.transaction((tx) => {
    const s = findStatement(tx, statementId);
    if (!s) throw new AppError('STATEMENT_NOT_FOUND', 404, 'errors.not_found');
    if (wasPaid(s.status)) return false;
    // A reversed transfer stays reversed: Stripe does not order its events and retries them
    // for days, so a `transfer.created` arriving after `transfer.reversed` must not pay the
    // statement again (the money is back on our balance; paying it again is the operator's call).
    if (s.reversedCents > 0) return false;
    const now = deps.clock.now();
    const paidJournalId = s.netCents === 0 ? null : postJournal(tx, {
      kind: 'settlement_payout',
      description: `Payout of ${s.reference}${how.stripeTransferId ? ` (${how.stripeTransferId})` : ' (SEPA)'}`,
      lines: [
        { account: Accounts.payoutsPending, amountCents: s.netCents },
        { account: s.method === 'stripe' ? Accounts.paymentsClearing('stripe') : Accounts.bank, amountCents: -s.netCents },
      ],
    }, now);
    tx.update(statements).set({ status: 'paid', paidAt: now.toISOString(), paidJournalId, failureReason: null, stripeTransferId: how.stripeTransferId ?? s.stripeTransferId }).where(sql`id = ${s.id}`).run();
    audit(tx, { actor: how.actor, action: 'statement_paid', entityType: 'statement', entityId: s.id, before: { status: s.status }, after: { status: 'paid', netCents: s.netCents, method: s.method, stripeTransferId: how.stripeTransferId ?? s.stripeTransferId ?? null } }, now);
    return true;
  });
}

/**
 * The operator confirms the bank executed a SEPA file of the batch: the statements it
 * carries are paid, and no other (a statement left out of the file is still owed). `seq`
 * names the file; without it, the batch's only file not yet confirmed. Once every SEPA
 * statement of the batch is paid, the batch is executed.
 */
export function markSepaExecuted(deps: Pick<PayoutDeps, 'database' | 'clock'>, batchId: string, actor: string, seq?: number): { alreadyExecuted: boolean; paid: number } {
  const batch = findBatch(deps.database.db, batchId);
  if (!batch) throw new AppError('BATCH_NOT_FOUND', 404, 'errors.not_found');
  if (batch.sepaExecutedAt) return { alreadyExecuted: true, paid: 0 };
  // A batch settled before files were recorded: its file (the one the operator downloaded) is recorded now.
  deps.database.transaction((tx) => recordFirstFile(tx, batch));
  const files = batchSepaFiles(deps.database.db, batchId);
  if (files.length === 0) throw new AppError('NO_SEPA_FILE', 409, 'operator.settlement.no_file');
  const open = files.filter((f) => !f.executedAt);
  if (seq === undefined && open.length > 1) throw new AppError('SEPA_FILE_REQUIRED', 422, 'operator.settlement.file_required');
  const file = seq === undefined ? open[0] : files.find((f) => f.seq === seq);
  if (seq !== undefined && !file) throw new AppError('SEPA_FILE_NOT_FOUND', 404, 'errors.not_found');
  if (!file || file.executedAt) return { alreadyExecuted: true, paid: 0 };
  let paid = 0;
  for (const s of batchSepaStatements(deps.database.db, batchId, file.seq)) if (markPaid(deps, s.id, { actor })) paid++;
  deps.database.transaction((tx) => {
    const now = deps.clock.now();
    if (markSepaFileExecuted(tx, batchId, file.seq, now.toISOString(), actor) !== 1) return;
    const complete = batchSepaStatements(tx, batchId).every((s) => s.status === 'paid');
    // A batch paid by its one file keeps its one entry (below); a file among several, or one
    // leaving a statement still owed, is recorded on its own.
    if (!complete || files.length > 1) {
      audit(tx, { actor, action: 'settlement_sepa_file_executed', entityType: 'settlement_batch', entityId: batchId, before: { executedAt: null }, after: { seq: file.seq, messageId: file.messageId, statementsPaid: paid } }, now);
    }
    if (!complete) return;
    const done = tx.update(settlementBatches).set({ sepaExecutedAt: now.toISOString(), sepaExecutedBy: actor }).where(sql`id = ${batchId} AND sepa_executed_at IS NULL`).run();
    if (done.changes === 1) audit(tx, { actor, action: 'settlement_sepa_executed', entityType: 'settlement_batch', entityId: batchId, before: { sepaExecutedAt: null }, after: { reference: batch.reference, statementsPaid: paid } }, now);
  });
  return { alreadyExecuted: false, paid };
}

/**
 * A Stripe webhook about a transfer: created confirms the payment; reversed books what Stripe
 * took back (`amount_reversed` is cumulative; `transfer.reversed` fires for partial
 * reversals too), so a replay or an older event books nothing twice.
 */
export function applyTransferEvent(deps: Pick<PayoutDeps, 'database' | 'clock'>, e: { type: string; transferId: string; statementId?: string; amountReversed?: number; reversed?: boolean }): 'applied' | 'ignored' {
  const s = deps.database.db.get<Statement | undefined>(sql`SELECT id, status, stripe_transfer_id AS stripeTransferId FROM statements WHERE stripe_transfer_id = ${e.transferId} OR id = ${e.statementId ?? ''} LIMIT 1`);
  if (!s) return 'ignored';
  if (e.type === 'transfer.created') return markPaid(deps, s.id, { stripeTransferId: e.transferId, actor: STRIPE_ACTOR }) ? 'applied' : 'ignored';
  if (e.type === 'transfer.reversed') return reverseTransfer(deps, s.id, e) ? 'applied' : 'ignored';
  return 'ignored';
}

/**
 * Books the part of the transfer reversed since the last event back to payouts_pending (the
 * shop is owed it again). A partial reversal leaves the statement `partially_reversed` with
 * the amount still owed visible; a full one puts it back to failed, as before. Neither is
 * re-sent by itself: a reversal needs the operator to look (wrong account? dispute?).
 */
function reverseTransfer(deps: Pick<PayoutDeps, 'database' | 'clock'>, statementId: string, e: { amountReversed?: number; reversed?: boolean }): boolean {
  return deps.database.transaction((tx) => {
    const s = findStatement(tx, statementId)!;
    if (!wasPaid(s.status)) return false;
    const total = e.reversed ? s.netCents : Math.min(e.amountReversed ?? 0, s.netCents);
    const delta = total - s.reversedCents;
    if (delta <= 0) return false;
    const now = deps.clock.now();
    postJournal(tx, {
      kind: 'settlement_payout_reversal',
      description: `Stripe transfer ${s.stripeTransferId} of ${s.reference} reversed (${delta} of ${s.netCents} cents)`,
      lines: [
        { account: Accounts.paymentsClearing('stripe'), amountCents: delta },
        { account: Accounts.payoutsPending, amountCents: -delta },
      ],
    }, now);
    const full = total === s.netCents;
    const after = full
      ? { status: 'failed' as const, failureReason: 'transfer_reversed', paidAt: null, reversedCents: total }
      : { status: 'partially_reversed' as const, failureReason: 'transfer_partially_reversed', reversedCents: total };
    tx.update(statements).set(after).where(sql`id = ${s.id}`).run();
    audit(tx, { actor: STRIPE_ACTOR, action: 'statement_transfer_reversed', entityType: 'statement', entityId: s.id, before: { status: s.status, stripeTransferId: s.stripeTransferId, reversedCents: s.reversedCents }, after: { status: after.status, failureReason: after.failureReason, netCents: s.netCents, reversedCents: total, owedCents: total } }, now);
    return true;
  });
}
