/* eslint-disable require-yield -- SQLite steps never yield (db/unit-of-work.ts) */
/**
 * The settlement store on SQLite (see settlement-store.ts): today's repository functions,
 * each a step that never yields, run inside the caller's BEGIN IMMEDIATE transaction — the
 * same statements as before, so the slices keep their speed and their short write lock.
 */
import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Database_, Tx } from '../../../db/client';
import { settlementBatches, settlementHolds, statementCampaigns, statements } from '../../../db/schema/index';
import { done, runSync } from '../../../db/unit-of-work';
import { enqueueMessage } from '../../mail/outbox-repository';
import { audit } from '../audit/audit-log';
import { nextInSequence } from '../invoices/invoice-numbers';
import { sqliteJournalStore } from '../ledger/ledger-repository';
import type { SettlementStore, SettlementUnits, ShopBankingRow, ShopRow } from './settlement-store';
import * as repo from './settlements-repository';

export function sqliteSettlementStore(tx: Tx): SettlementStore {
  return {
    ...sqliteJournalStore(tx),
    owedBreakage: () => done(repo.owedBreakage(tx)),
    journalCounterMarks: () => done(repo.journalCounterMarks(tx)),
    findOpenBatch: () => done(repo.findOpenBatch(tx)),
    findBatch: (id) => done(repo.findBatch(tx, id)),
    findBatchByReference: (reference) => done(repo.findBatchByReference(tx, reference)),
    latestBatchUntil: (until) => done(repo.latestBatchUntil(tx, until)),
    unexecutedBatches: () =>
      done(tx.select().from(settlementBatches).where(and(isNull(settlementBatches.sepaExecutedAt), isNotNull(settlementBatches.closedAt))).orderBy(settlementBatches.createdAt).all()),
    merchantIdsAfter: (after, limit) => done(repo.merchantIdsAfter(tx, after, limit)),
    unsettledCounts: (cutoff, after, upTo) => done(repo.unsettledCounts(tx, cutoff, after, upTo)),
    unsettledGroups: (cutoff, after, upTo) => done(repo.unsettledGroups(tx, cutoff, after, upTo)),
    lockUnsettled: () => done(undefined),
    settingInt: (key, fallback) => done(repo.settingInt(tx, key, fallback)),
    campaignRates: () => done(new Map(tx.all<{ id: string; bps: number }>(sql`SELECT id, commission_bps AS bps FROM campaigns`).map((r) => [r.id, r.bps]))),
    peekSequence: (kind, year) => done(repo.peekSequence(tx, kind, year)),
    shopRow: (id) =>
      done(tx.get<ShopRow>(sql`SELECT id, slug, name, siret, iban, bic, account_holder AS accountHolder, stripe_account_id AS stripeAccountId, contact_email AS contactEmail FROM merchants WHERE id = ${id}`)),
    shopRecipients: (shop) =>
      done(shop.contactEmail ? [shop.contactEmail]
        : tx.all<{ email: string }>(sql`SELECT email FROM merchant_users WHERE merchant_id = ${shop.id} AND role = 'owner' AND removed_at IS NULL ORDER BY email`).map((r) => r.email)),
    merchantBanking: (merchantId) => done(repo.merchantBanking(tx, merchantId) as ShopBankingRow),
    merchantSlugs: () => done(new Map(tx.all<{ id: string; slug: string }>(sql`SELECT id, slug FROM merchants`).map((r) => [r.id, r.slug]))),
    batchStatementCount: (batchId) => done(repo.batchStatementCount(tx, batchId)),
    batchHolds: (batchId) => done(repo.batchHolds(tx, batchId)),
    batchStatements: (batchId) => done(repo.batchStatements(tx, batchId)),
    batchSepaStatements: (batchId, seq) => done(repo.batchSepaStatements(tx, batchId, seq)),
    unfiledSepaStatements: (batchId) => done(repo.unfiledSepaStatements(tx, batchId)),
    batchSepaFiles: (batchId) => done(repo.batchSepaFiles(tx, batchId)),
    findStatement: (id) => done(repo.findStatement(tx, id)),
    dueStripeStatements: () =>
      done(tx.select().from(statements)
        .where(and(eq(statements.method, 'stripe'), inArray(statements.status, ['pending', 'failed']), isNull(statements.stripeTransferId)))
        .orderBy(statements.reference).all()),
    statementIdForTransfer: (transferId, statementId) =>
      done(tx.get<{ id: string } | undefined>(sql`SELECT id FROM statements WHERE stripe_transfer_id = ${transferId} OR id = ${statementId} LIMIT 1`)?.id),

    nextInSequence: (kind, year) => done(nextInSequence(tx, kind, year)),
    insertBatch: (b) => done(void tx.insert(settlementBatches).values(b).run()),
    advanceBatch: (batchId, add, cursor) => done(repo.advanceBatch(tx, batchId, add, cursor)),
    closeBatch: (batchId, at) => done(repo.closeBatch(tx, batchId, at)),
    insertHolds: (batchId, holds) => done(void (holds.length && tx.insert(settlementHolds).values(holds.map((h) => ({ batchId, ...h }))).run())),
    insertStatement: (s) => done(void tx.insert(statements).values(s).run()),
    insertStatementCampaigns: (rows) => done(void (rows.length && tx.insert(statementCampaigns).values(rows).run())),
    stampRedemptions: (merchantId, cutoff, statementId) => done(repo.stampRedemptions(tx, merchantId, cutoff, statementId)),
    enqueueMessage: (msg, now) => done(void enqueueMessage(tx, msg, now)),
    audit: (e, now) => done(audit(tx, e, now)),
    insertSepaFile: (f) => done(void repo.insertSepaFile(tx, f)),
    putInSepaFile: (ids, seq) => done(repo.putInSepaFile(tx, ids, seq)),
    setSepaHoldReason: (id, reason) => done(void repo.setSepaHoldReason(tx, id, reason)),
    replaceStatementBankDetails: (id, d) => done(repo.replaceStatementBankDetails(tx, id, d)),
    markSepaFileExecuted: (batchId, seq, at, by) => done(repo.markSepaFileExecuted(tx, batchId, seq, at, by)),
    markBatchExecuted: (batchId, at, by) =>
      done(tx.update(settlementBatches).set({ sepaExecutedAt: at, sepaExecutedBy: by }).where(sql`id = ${batchId} AND sepa_executed_at IS NULL`).run().changes),
    setStatementDestination: (id, acct) => done(void tx.update(statements).set({ stripeAccountId: acct }).where(sql`id = ${id} AND status != 'paid'`).run()),
    setStatementFailure: (id, status, reason) =>
      done(void tx.update(statements).set({ status, failureReason: reason }).where(sql`id = ${id} AND status IN ('pending', 'failed')`).run()),
    setStatementPaid: (id, p) => done(void tx.update(statements).set({ status: 'paid', failureReason: null, ...p }).where(sql`id = ${id}`).run()),
    setStatementReversed: (id, a) =>
      done(void tx.update(statements).set({ status: a.status, failureReason: a.failureReason, reversedCents: a.reversedCents, ...(a.clearPaidAt ? { paidAt: null } : {}) }).where(sql`id = ${id}`).run()),
  };
}

/** SQLite units: each write its own BEGIN IMMEDIATE (a short one: the till waits one unit at most). */
export function sqliteSettlementUnits(database: Database_): SettlementUnits {
  return {
    // Generators, so a unit runs when the service reaches it, not when it is named.
    *write(fn) {
      return database.transaction((tx) => runSync(fn(sqliteSettlementStore(tx))));
    },
    *read(fn) {
      return runSync(fn(sqliteSettlementStore(database.db)));
    },
    *snapshot(fn) {
      return database.snapshot((tx) => runSync(fn(sqliteSettlementStore(tx))));
    },
    run: async (steps) => runSync(steps),
  };
}
