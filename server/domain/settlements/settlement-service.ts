/**
 * Settlement: pays shops what they redeemed, minus the campaign's commission and its VAT.
 *
 * Exactly once, crash-safe:
 * 1. `createBatch` is ONE BEGIN IMMEDIATE transaction: statements, their journals, the
 *    commission invoice numbers, the statement mails (outbox) and every redemption's
 *    `statement_id`. A crash before COMMIT leaves nothing; after it, a whole batch.
 *    The `statement_id IS NULL` guard means a redemption is in one statement at most.
 *    Before anything is written, each SEPA shop's transaction is checked by the code that
 *    writes the file: a shop whose details would break it is held back alone.
 * 2. Paying happens after the commit and is resumable: Stripe transfers carry the
 *    statement id as idempotency key (a retry after a crash returns the same transfer);
 *    SEPA files are recorded once and rebuilt from stored rows (same bytes, same MsgId)
 *    whenever needed (sepa-files.ts).
 * `runSettlement` does 1 then 2 and, run again, completes the unfinished step 2 of earlier
 * batches without creating anything new.
 */
import type { Database_, Tx } from '../../../db/client';
import { settlementBatches, settlementHolds, statementCampaigns, statements } from '../../../db/schema/index';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { isCalendarDate } from '../../lib/calendar-date';
import { endOfParisDay, parisDate } from '../../lib/paris-time';
import { enqueueMessage } from '../../mail/outbox-repository';
import { audit } from '../audit/audit-log';
import { allocateInvoiceNumber, nextInSequence } from '../invoices/invoice-numbers';
import { Accounts } from '../ledger/accounts';
import { postJournal } from '../ledger/ledger-repository';
import { DEFAULT_COMMISSION_VAT_BPS, statementAmounts } from './commission';
import { checkSepaTransfer } from '../../settlement/sepa-pain001';
import { payoutRoute, sepaHoldReason, type HoldReason } from './payout-route';
import { statementTransfer } from './sepa-export';
import { owedBreakage, peekSequence, settingInt, stampRedemptions, unsettledGroups, type SettlementBatch } from './settlements-repository';
import { sql } from 'drizzle-orm';

export const COMMISSION_VAT_SETTING = 'commission_vat_bps';

export interface SettlementDeps {
  database: Database_;
  clock: Clock;
  voidWindowMinutes: number;
  /** Fault injection for the crash tests (a child process killed at a named step). */
  onStep?: (step: string) => void;
}

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

export function createBatch(deps: SettlementDeps, input: { until: string; actor: string }): CreateBatchResult {
  return deps.database.transaction((tx) => {
    const now = deps.clock.now();
    const cutoff = cutoffFor(input.until, now, deps.voidWindowMinutes).toISOString();
    const byShop = groupByShop(unsettledGroups(tx, cutoff));
    const breakage = owedBreakage(tx);
    // A shop owed only breakage (no redemption in the period) is settled too.
    for (const merchantId of breakage.keys()) if (!byShop.has(merchantId)) byShop.set(merchantId, []);
    const vatBps = settingInt(tx, COMMISSION_VAT_SETTING, DEFAULT_COMMISSION_VAT_BPS);
    const rates = campaignRates(tx);
    const year = Number(parisDate(now).slice(0, 4));
    // The references this batch and its statements will get (taken below only if settled).
    const reference = batchReference(year, peekSequence(tx, 'settlement', year));
    let nextStatement = peekSequence(tx, 'statement', year);
    const holds: HoldSummary[] = [];
    const payable: { merchant: ShopRow; route: Extract<ReturnType<typeof payoutRoute>, { ok: true }>; amounts: ReturnType<typeof statementAmounts>; breakageCents: number; netCents: number; statementRef: string }[] = [];
    for (const [merchantId, groups] of byShop) {
      const merchant = shopRow(tx, merchantId);
      const shares = groups.map((g) => ({ ...g, commissionBps: rates.get(g.campaignId)!, vatBps }));
      const breakageCents = breakage.get(merchantId) ?? 0;
      const amounts = statementAmounts(shares);
      const netCents = amounts.netCents + breakageCents;
      const statementRef = statementReference(year, nextStatement);
      const route = payoutRoute(merchant);
      // A SEPA shop's transaction is built and checked here by the code that writes the
      // file: details that would break it hold back this shop only, before anything commits.
      const reason = !route.ok ? route.reason
        : route.method === 'sepa' ? sepaHoldReason(checkSepaTransfer(statementTransfer({ reference: statementRef, netCents, accountHolder: route.accountHolder, iban: route.iban, bic: route.bic }, reference)))
        : null;
      if (route.ok && reason === null) {
        payable.push({ merchant, route, amounts, breakageCents, netCents, statementRef });
        nextStatement++;
      } else holds.push({ merchantId, reason: reason!, redemptionCount: sum(shares, 'redemptionCount'), grossCents: sum(shares, 'grossCents') + breakageCents });
    }
    if (payable.length === 0) return { batch: null, holds };
    deps.onStep?.('batch:start');

    const at = now.toISOString();
    const batchId = newId();
    if (reference !== batchReference(year, nextInSequence(tx, 'settlement', year))) throw new Error(`settlement ${reference}: sequence moved inside the transaction`);
    const batch: SettlementBatch = {
      id: batchId, reference, until: input.until, cutoffAt: cutoff, messageId: `${reference}-${batchId.slice(-8)}`.slice(0, 35),
      grossCents: 0, commissionCents: 0, vatCents: 0, netCents: 0, sepaExecutedAt: null, sepaExecutedBy: null, createdBy: input.actor, createdAt: at,
    };
    tx.insert(settlementBatches).values(batch).run();
    for (const p of payable) {
      const { amounts, netCents } = p;
      const statementId = newId();
      const statementRef = statementReference(year, nextInSequence(tx, 'statement', year));
      if (statementRef !== p.statementRef) throw new Error(`statement ${p.statementRef}: sequence moved inside the transaction`);
      const journalId = postJournal(tx, {
        kind: 'settlement',
        description: `Statement ${statementRef} (${reference})`,
        lines: [
          { account: Accounts.merchantPayable(p.merchant.id), amountCents: amounts.grossCents + p.breakageCents },
          { account: Accounts.commissionRevenue, amountCents: -amounts.commissionCents },
          { account: Accounts.vatCollected, amountCents: -amounts.vatCents },
          { account: Accounts.payoutsPending, amountCents: -netCents },
        ].filter((l) => l.amountCents !== 0),
      }, now);
      tx.insert(statements).values({
        id: statementId, reference: statementRef, batchId, merchantId: p.merchant.id, merchantSiret: p.merchant.siret, redemptionCount: amounts.redemptionCount,
        grossCents: amounts.grossCents, commissionCents: amounts.commissionCents, vatCents: amounts.vatCents, breakageCents: p.breakageCents, netCents,
        method: p.route.method, iban: p.route.method === 'sepa' ? p.route.iban : null, bic: p.route.method === 'sepa' ? p.route.bic : null,
        accountHolder: p.route.accountHolder, stripeAccountId: p.route.method === 'stripe' ? p.route.stripeAccountId : null,
        stripeTransferId: null, status: 'pending', failureReason: null, invoiceNumber: allocateInvoiceNumber(tx, year).number,
        journalId, paidJournalId: null, paidAt: null, createdAt: at,
      }).run();
      if (amounts.campaigns.length) tx.insert(statementCampaigns).values(amounts.campaigns.map((c) => ({
        statementId, campaignId: c.campaignId, commissionBps: c.commissionBps, vatBps: c.vatBps, redemptionCount: c.redemptionCount,
        grossCents: c.grossCents, commissionCents: c.commissionCents, vatCents: c.vatCents,
      }))).run();
      const stamped = stampRedemptions(tx, p.merchant.id, cutoff, statementId);
      // Same snapshot, same lock: anything else means a bug, and the whole batch rolls back.
      if (stamped !== amounts.redemptionCount) throw new Error(`statement ${statementRef}: ${stamped} redemptions stamped, ${amounts.redemptionCount} counted`);
      for (const to of shopRecipients(tx, p.merchant)) enqueueMessage(tx, { kind: 'settlement_statement', recipient: to, payload: { statementId } }, now);
      batch.grossCents += amounts.grossCents;
      batch.commissionCents += amounts.commissionCents;
      batch.vatCents += amounts.vatCents;
      batch.netCents += netCents;
      deps.onStep?.('batch:statement');
    }
    if (holds.length) tx.insert(settlementHolds).values(holds.map((h) => ({ batchId, ...h }))).run();
    tx.update(settlementBatches).set({ grossCents: batch.grossCents, commissionCents: batch.commissionCents, vatCents: batch.vatCents, netCents: batch.netCents })
      .where(sql`id = ${batchId}`).run();
    audit(tx, { actor: input.actor, action: 'settlement_batch_created', entityType: 'settlement_batch', entityId: batchId, after: { reference, until: input.until, statements: payable.length, holds: holds.length, grossCents: batch.grossCents, netCents: batch.netCents } }, now);
    deps.onStep?.('batch:before-commit');
    return { batch, holds };
  });
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
