import { sql } from 'drizzle-orm';
import type { Database_, Tx } from '../../../db/client';
import { sepaFiles, settlementBatches, settlementHolds, statementCampaigns, statements } from '../../../db/schema/index';
import { and, eq, desc, getTableColumns, inArray, isNull, ne } from 'drizzle-orm';

export type SettlementBatch = typeof settlementBatches.$inferSelect;
export type Statement = typeof statements.$inferSelect;
export type StatementCampaign = typeof statementCampaigns.$inferSelect;
export type SettlementHold = typeof settlementHolds.$inferSelect;
export type SepaFile = typeof sepaFiles.$inferSelect;

export interface UnsettledGroup {
  merchantId: string;
  campaignId: string;
  redemptionCount: number;
  grossCents: number;
}

/**
 * Completed redemptions not yet in a statement, created up to the cut-off, per shop and
 * campaign, for the shops of one slice (merchant ids in (after, upTo]): a range of the
 * (statement_id, merchant_id, created_at) index, where `statement_id IS NULL` is an
 * equality, so only unsettled rows are read, never the history.
 */
export function unsettledGroups(tx: Tx, cutoffIso: string, after: string, upTo: string): UnsettledGroup[] {
  return tx.all<UnsettledGroup>(sql`
    SELECT merchant_id AS merchantId, campaign_id AS campaignId, COUNT(*) AS redemptionCount, SUM(amount_cents) AS grossCents
    FROM redemptions WHERE statement_id IS NULL AND merchant_id > ${after} AND merchant_id <= ${upTo} AND created_at <= ${cutoffIso} AND status = 'completed'
    GROUP BY merchant_id, campaign_id ORDER BY merchant_id, campaign_id`);
}

/**
 * Unsettled redemptions per shop for shops in (after, upTo], counted on the index alone
 * (voided ones included: it only sizes the next slice).
 */
export function unsettledCounts(tx: Tx, cutoffIso: string, after: string, upTo: string): { merchantId: string; n: number }[] {
  return tx.all<{ merchantId: string; n: number }>(sql`
    SELECT merchant_id AS merchantId, COUNT(*) AS n FROM redemptions
    WHERE statement_id IS NULL AND merchant_id > ${after} AND merchant_id <= ${upTo} AND created_at <= ${cutoffIso}
    GROUP BY merchant_id ORDER BY merchant_id`);
}

/** The next `limit` merchant ids after `after`, in id order: the shops of the next slice. */
export function merchantIdsAfter(tx: Tx, after: string, limit: number): string[] {
  return tx.all<{ id: string }>(sql`SELECT id FROM merchants WHERE id > ${after} ORDER BY id LIMIT ${limit}`).map((r) => r.id);
}

/** The batch being written (closed_at null): at most one, by a unique index. */
export const findOpenBatch = (tx: Tx) => tx.select().from(settlementBatches).where(isNull(settlementBatches.closedAt)).get();

/** A committed slice: the batch's totals grow by the slice's and its cursor moves on. */
export function advanceBatch(tx: Tx, batchId: string, add: { grossCents: number; commissionCents: number; vatCents: number; netCents: number }, cursor: string): void {
  tx.run(sql`UPDATE settlement_batches SET gross_cents = gross_cents + ${add.grossCents}, commission_cents = commission_cents + ${add.commissionCents},
    vat_cents = vat_cents + ${add.vatCents}, net_cents = net_cents + ${add.netCents}, merchant_cursor = ${cursor} WHERE id = ${batchId} AND closed_at IS NULL`);
}

export const closeBatch = (tx: Tx, batchId: string, at: string) =>
  tx.run(sql`UPDATE settlement_batches SET closed_at = ${at} WHERE id = ${batchId} AND closed_at IS NULL`).changes === 1;

export const batchStatementCount = (tx: Tx, batchId: string) => tx.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM statements WHERE batch_id = ${batchId}`).n;

/** The journals' counters: a cheap sign that something was posted since they were read. */
export const journalCounterMarks = (tx: Tx): Record<string, number> =>
  Object.fromEntries(tx.all<{ code: string; n: number }>(sql`SELECT journal_code AS code, last_number AS n FROM journal_counters`).map((r) => [r.code, r.n]));

/**
 * Breakage shared to shops (campaign rule 'merchants') and not yet settled, per shop: what
 * a shop's payable account owes beyond its unsettled redemptions. Expiry credits
 * merchant_payable; settlement debits it by gross + breakage; redemptions credit it
 * and voids debit it back — so the difference is exactly the breakage still owed. Only
 * computed when some campaign shares breakage (one scan of journal_lines otherwise saved).
 */
export function owedBreakage(tx: Tx): Map<string, number> {
  const shares = tx.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM journals WHERE kind = 'voucher_expiry'`).n > 0
    && tx.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM campaigns WHERE breakage_rule = 'merchants'`).n > 0;
  if (!shares) return new Map();
  const payable = tx.all<{ merchantId: string; owed: number }>(sql`
    SELECT substr(account, 18) AS merchantId, -SUM(amount_cents) AS owed FROM journal_lines
    WHERE account >= 'merchant_payable:' AND account < 'merchant_payable;' GROUP BY account`);
  const unsettled = new Map(tx.all<{ merchantId: string; cents: number }>(sql`
    SELECT merchant_id AS merchantId, SUM(amount_cents) AS cents FROM redemptions WHERE status = 'completed' AND statement_id IS NULL GROUP BY merchant_id`).map((r) => [r.merchantId, r.cents]));
  const owed = new Map<string, number>();
  for (const p of payable) {
    const b = p.owed - (unsettled.get(p.merchantId) ?? 0);
    if (b > 0) owed.set(p.merchantId, b);
  }
  return owed;
}

/**
 * Stamps one shop's unsettled redemptions with its statement (through the (statement_id,
 * merchant_id, created_at) index). The `statement_id IS NULL` guard is what makes payment exactly-once:
 * a redemption already in a statement can never be taken again.
 */
export function stampRedemptions(tx: Tx, merchantId: string, cutoffIso: string, statementId: string): { count: number; grossCents: number } {
  tx.run(sql`
    UPDATE redemptions SET statement_id = ${statementId}
    WHERE statement_id IS NULL AND merchant_id = ${merchantId} AND created_at <= ${cutoffIso} AND status = 'completed'`);
  // What the statement holds, read back from the stamped rows themselves (its index range).
  return tx.get<{ count: number; grossCents: number }>(sql`
    SELECT COUNT(*) AS count, COALESCE(SUM(amount_cents), 0) AS grossCents FROM redemptions WHERE statement_id = ${statementId}`);
}

export function settingInt(tx: Tx, key: string, fallback: number): number {
  const row = tx.get<{ value: string } | undefined>(sql`SELECT value FROM settings WHERE key = ${key}`);
  return row && /^\d+$/.test(row.value) ? Number(row.value) : fallback;
}

export const findBatch = (tx: Tx, id: string) => tx.select().from(settlementBatches).where(eq(settlementBatches.id, id)).get();
export const findBatchByReference = (tx: Tx, reference: string) => tx.select().from(settlementBatches).where(eq(settlementBatches.reference, reference)).get();
/** The latest batches, each with its number of statements (counted in SQL, not loaded). */
export const listBatches = (tx: Tx, limit = 100) =>
  tx
    .select({ ...getTableColumns(settlementBatches), statementCount: sql<number>`(SELECT COUNT(*) FROM statements s WHERE s.batch_id = settlement_batches.id)` })
    .from(settlementBatches)
    .orderBy(desc(settlementBatches.createdAt))
    .limit(limit)
    .all();
export const latestBatchUntil = (tx: Tx, until: string) =>
  tx.select().from(settlementBatches).where(eq(settlementBatches.until, until)).orderBy(desc(settlementBatches.createdAt)).limit(1).get();
export const batchStatements = (tx: Tx, batchId: string) => tx.select().from(statements).where(eq(statements.batchId, batchId)).orderBy(statements.reference).all();
export const batchHolds = (tx: Tx, batchId: string) => tx.select().from(settlementHolds).where(eq(settlementHolds.batchId, batchId)).all();
/** A batch's SEPA statements (all, or only those in file `seq`). */
export const batchSepaStatements = (tx: Tx, batchId: string, seq?: number) =>
  tx.select().from(statements)
    .where(and(eq(statements.batchId, batchId), eq(statements.method, 'sepa'), seq === undefined ? undefined : eq(statements.sepaFileSeq, seq)))
    .orderBy(statements.reference).all();
/** SEPA statements of a batch in no file yet and not paid: what the next file of the batch may carry. */
export const unfiledSepaStatements = (tx: Tx, batchId: string) =>
  tx.select().from(statements)
    .where(and(eq(statements.batchId, batchId), eq(statements.method, 'sepa'), isNull(statements.sepaFileSeq), ne(statements.status, 'paid')))
    .orderBy(statements.reference).all();
export const batchSepaFiles = (tx: Tx, batchId: string) => tx.select().from(sepaFiles).where(eq(sepaFiles.batchId, batchId)).orderBy(sepaFiles.seq).all();
export const insertSepaFile = (tx: Tx, file: typeof sepaFiles.$inferInsert) => tx.insert(sepaFiles).values(file).run();
export const putInSepaFile = (tx: Tx, statementIds: string[], seq: number) =>
  tx.update(statements).set({ sepaFileSeq: seq, sepaHoldReason: null }).where(and(inArray(statements.id, statementIds), isNull(statements.sepaFileSeq))).run().changes;
export const setSepaHoldReason = (tx: Tx, statementId: string, reason: string) =>
  tx.update(statements).set({ sepaHoldReason: reason }).where(and(eq(statements.id, statementId), isNull(statements.sepaFileSeq))).run();
/** A statement's bank details copy, replaced only while it is in no file and unpaid. */
export const replaceStatementBankDetails = (tx: Tx, statementId: string, d: { iban: string; bic: string | null; accountHolder: string }) =>
  tx.update(statements).set(d).where(and(eq(statements.id, statementId), isNull(statements.sepaFileSeq), ne(statements.status, 'paid'))).run().changes;
export const markSepaFileExecuted = (tx: Tx, batchId: string, seq: number, at: string, by: string) =>
  tx.update(sepaFiles).set({ executedAt: at, executedBy: by }).where(and(eq(sepaFiles.batchId, batchId), eq(sepaFiles.seq, seq), isNull(sepaFiles.executedAt))).run().changes;

/** A shop's bank details as they are now (to refresh a statement's copy that cannot be written). */
export const merchantBanking = (tx: Tx, merchantId: string) =>
  tx.get<{ name: string; iban: string | null; bic: string | null; accountHolder: string | null; stripeAccountId: string | null }>(
    sql`SELECT name, iban, bic, account_holder AS accountHolder, stripe_account_id AS stripeAccountId FROM merchants WHERE id = ${merchantId}`,
  );

/**
 * The number `nextInSequence` will hand out next in this transaction (nothing is taken):
 * lets a batch check a shop's transfer with the very references it will carry before
 * deciding to settle it, without leaving a gap in the statement numbers when it does not.
 */
export function peekSequence(tx: Tx, kind: 'settlement' | 'statement', year: number): number {
  return (tx.get<{ last: number } | undefined>(sql`SELECT last_seq AS last FROM invoice_counters WHERE kind = ${kind} AND year = ${year}`)?.last ?? 0) + 1;
}

export const findStatement = (tx: Tx, id: string) => tx.select().from(statements).where(eq(statements.id, id)).get();
export const statementCampaignRows = (tx: Tx, statementId: string) => tx.select().from(statementCampaigns).where(eq(statementCampaigns.statementId, statementId)).all();

export interface StatementLine {
  id: string;
  number: number;
  campaignId: string;
  amountCents: number;
  createdAt: string;
  code: string;
}

/** One page of `statementLines` (exported for the query-plan tests). */
export const STATEMENT_LINES_PAGE_SQL = `
    SELECT r.id, r.number, r.campaign_id AS campaignId, r.amount_cents AS amountCents, r.created_at AS createdAt, v.code
    FROM redemptions r JOIN vouchers v ON v.id = r.voucher_id
    WHERE r.statement_id = ? AND (r.created_at, r.number) > (?, ?)
    ORDER BY r.created_at, r.number LIMIT 1000`;

/**
 * A statement's redemptions, in pages of 1 000 (keyset on (statement_id, created_at, number)),
 * so a long export never holds the connection between pages: the till keeps working while
 * a shop downloads a statement of 50 000 lines.
 */
export function* statementLines(database: Database_, s: Pick<Statement, 'id' | 'merchantId' | 'createdAt'>): Generator<StatementLine> {
  // Keyset over redemptions_statement_id_created_at_number_idx (migration 0018): each page
  // starts where the last ended, whatever the shop's history before this statement.
  const page = database.sqlite.prepare<[string, string, number], StatementLine>(STATEMENT_LINES_PAGE_SQL);
  let after: [string, number] = ['', 0];
  for (;;) {
    const rows = page.all(s.id, after[0], after[1]);
    yield* rows;
    if (rows.length < 1000) return;
    const last = rows[rows.length - 1]!;
    after = [last.createdAt, last.number];
  }
}
