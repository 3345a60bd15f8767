/**
 * The settlement store on PostgreSQL (see settlement-store.ts), on the unit of work's pooled
 * connection. What makes it right at READ COMMITTED:
 * - every writing unit first takes a transaction-scoped advisory lock (SETTLEMENT_LOCK):
 *   settlement units — slices, SEPA files, payouts — of every process run one at a time, as
 *   BEGIN IMMEDIATE makes them on SQLite, and each statement after the lock reads the latest
 *   commit (the open batch, its cursor, the counters). The till never takes that lock;
 * - a slice locks its shops' unsettled redemptions (`FOR UPDATE`) before pricing them, and
 *   stamps them by a conditional UPDATE (`statement_id IS NULL AND status = 'completed'`).
 *   A void (which locks its redemption FOR UPDATE and requires `statement_id IS NULL`)
 *   either commits first — the slice's lock waits for it and re-reads the row, voided, which
 *   is then neither priced nor stamped — or waits for the slice to commit and is refused.
 *   The priced-equals-stamped check stays as a net (RunAgain);
 * - sequence numbers (batches, statements, commission invoices) come from the
 *   `invoice_counters` row, incremented with ON CONFLICT DO UPDATE: locked until COMMIT,
 *   gap-free.
 * Rows come back in the SQLite repository's shapes (camelCase keys, JS numbers).
 */
import { getTableColumns, getTableName, type Table } from 'drizzle-orm';
import type pg from 'pg';
import { exactInteger, PG_INT8, PG_NUMERIC } from '../../../db/pg-numbers';
import type { PgDatabase } from '../../../db/postgres-pool';
import { pgUnit, pgUnitOfWork, type PgUnit } from '../../../db/pg-write-behind';
import { pgTypes } from '../../../db/postgres';
import { awaited, runAsync, type Step } from '../../../db/unit-of-work';
import { outboxMessages, settlementBatches, settlementHolds, sepaFiles, statementCampaigns, statements } from '../../../db/schema/index';
import { newId } from '../../lib/ids';
import { pgJournalStore } from '../ledger/ledger-repository-pg';
import type { SettlementStore, SettlementUnits, ShopBankingRow, ShopRow } from './settlement-store';
import type { SepaFile, SettlementBatch, SettlementHold, Statement, UnsettledGroup } from './settlements-repository';

/** The advisory lock key every settlement writing unit takes (an arbitrary constant: "settle" in ASCII). */
export const SETTLEMENT_LOCK = 0x736574746c65;

// int8 (COUNT, bigint columns) and numeric (SUM of a bigint) as exact JS numbers.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (oid === PG_INT8 || oid === PG_NUMERIC) && format !== 'binary' ? exactInteger : pgTypes.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** `"column" AS "key"` for every column of a (SQLite schema) table: the repository's row shape. */
function selectList(table: Table, alias = ''): string {
  return Object.entries(getTableColumns(table)).map(([key, c]) => `${alias}"${c.name}" AS "${key}"`).join(', ');
}

const BATCH = selectList(settlementBatches);
const STATEMENT = selectList(statements);
const HOLD = selectList(settlementHolds);
const SEPA_FILE = selectList(sepaFiles);

export function pgSettlementStore(client: pg.ClientBase, unit: PgUnit = pgUnit(client)): SettlementStore {
  // Journal postings are held to the unit's end (db/pg-write-behind.ts): sent first, so every query sees the unit's own writes in order.
  function* query<R>(text: string, values: unknown[] = []): Step<{ rows: R[]; count: number }> {
    yield* unit.flush();
    return yield* awaited(async () => {
      const r = await client.query({ text, values, types });
      return { rows: r.rows as R[], count: r.rowCount ?? 0 };
    });
  }
  function* all<R>(text: string, values: unknown[] = []): Step<R[]> {
    return (yield* query<R>(text, values)).rows;
  }
  function* first<R>(text: string, values: unknown[] = []): Step<R | undefined> {
    return (yield* query<R>(text, values)).rows[0];
  }
  function* changes(text: string, values: unknown[] = []): Step<number> {
    return (yield* query(text, values)).count;
  }
  /** INSERT of a row given in the repository's shape (keys absent or undefined take the column default). */
  function* insert(table: Table, row: Record<string, unknown>): Step<void> {
    const cols = getTableColumns(table);
    const keys = Object.keys(row).filter((k) => row[k] !== undefined && k in cols);
    yield* query(`INSERT INTO ${getTableName(table)} (${keys.map((k) => `"${cols[k]!.name}"`).join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')})`, keys.map((k) => row[k]));
  }

  return {
    ...pgJournalStore(unit),
    *owedBreakage() {
      const shares = (yield* first<{ n: number }>(`SELECT COUNT(*) AS n FROM journals WHERE kind = 'voucher_expiry'`))!.n > 0
        && (yield* first<{ n: number }>(`SELECT COUNT(*) AS n FROM campaigns WHERE breakage_rule = 'merchants'`))!.n > 0;
      if (!shares) return new Map();
      const payable = yield* all<{ merchantId: string; owed: number }>(`
        SELECT substr(account, 18) AS "merchantId", -SUM(amount_cents) AS owed FROM journal_lines
        WHERE account >= 'merchant_payable:' AND account < 'merchant_payable;' GROUP BY account`);
      const unsettled = new Map((yield* all<{ merchantId: string; cents: number }>(`
        SELECT merchant_id AS "merchantId", SUM(amount_cents) AS cents FROM redemptions WHERE status = 'completed' AND statement_id IS NULL GROUP BY merchant_id`)).map((r) => [r.merchantId, r.cents]));
      const owed = new Map<string, number>();
      for (const p of payable) {
        const b = p.owed - (unsettled.get(p.merchantId) ?? 0);
        if (b > 0) owed.set(p.merchantId, b);
      }
      return owed;
    },
    *journalCounterMarks() {
      return Object.fromEntries((yield* all<{ code: string; n: number }>(`SELECT journal_code AS code, last_number AS n FROM journal_counters`)).map((r) => [r.code, r.n]));
    },
    findOpenBatch: () => first<SettlementBatch>(`SELECT ${BATCH} FROM settlement_batches WHERE closed_at IS NULL`),
    findBatch: (id) => first<SettlementBatch>(`SELECT ${BATCH} FROM settlement_batches WHERE id = $1`, [id]),
    findBatchByReference: (reference) => first<SettlementBatch>(`SELECT ${BATCH} FROM settlement_batches WHERE reference = $1`, [reference]),
    latestBatchUntil: (until) => first<SettlementBatch>(`SELECT ${BATCH} FROM settlement_batches WHERE until = $1 ORDER BY created_at DESC LIMIT 1`, [until]),
    unexecutedBatches: () => all<SettlementBatch>(`SELECT ${BATCH} FROM settlement_batches WHERE sepa_executed_at IS NULL AND closed_at IS NOT NULL ORDER BY created_at`),
    *merchantIdsAfter(after, limit) {
      return (yield* all<{ id: string }>(`SELECT id FROM merchants WHERE id > $1 ORDER BY id LIMIT $2`, [after, limit])).map((r) => r.id);
    },
    unsettledCounts: (cutoff, after, upTo) =>
      all<{ merchantId: string; n: number }>(`
        SELECT merchant_id AS "merchantId", COUNT(*) AS n FROM redemptions
        WHERE statement_id IS NULL AND merchant_id > $2 AND merchant_id <= $3 AND created_at <= $1
        GROUP BY merchant_id ORDER BY merchant_id`, [cutoff, after, upTo]),
    unsettledGroups: (cutoff, after, upTo) =>
      all<UnsettledGroup>(`
        SELECT merchant_id AS "merchantId", campaign_id AS "campaignId", COUNT(*) AS "redemptionCount", SUM(amount_cents) AS "grossCents"
        FROM redemptions WHERE statement_id IS NULL AND merchant_id > $2 AND merchant_id <= $3 AND created_at <= $1 AND status = 'completed'
        GROUP BY merchant_id, campaign_id ORDER BY merchant_id, campaign_id`, [cutoff, after, upTo]),
    *lockUnsettled(cutoff, after, upTo) {
      yield* query(`SELECT id FROM redemptions
        WHERE statement_id IS NULL AND merchant_id > $2 AND merchant_id <= $3 AND created_at <= $1 AND status = 'completed'
        ORDER BY id FOR UPDATE`, [cutoff, after, upTo]);
    },
    *settingInt(key, fallback) {
      const row = yield* first<{ value: string }>(`SELECT value FROM settings WHERE key = $1`, [key]);
      return row && /^\d+$/.test(row.value) ? Number(row.value) : fallback;
    },
    *campaignRates() {
      return new Map((yield* all<{ id: string; bps: number }>(`SELECT id, commission_bps AS bps FROM campaigns`)).map((r) => [r.id, r.bps]));
    },
    *peekSequence(kind, year) {
      return ((yield* first<{ last: number }>(`SELECT last_seq AS last FROM invoice_counters WHERE kind = $1 AND year = $2`, [kind, year]))?.last ?? 0) + 1;
    },
    *shopRow(id) {
      return (yield* first<ShopRow>(
        `SELECT id, slug, name, siret, iban, bic, account_holder AS "accountHolder", stripe_account_id AS "stripeAccountId", contact_email AS "contactEmail" FROM merchants WHERE id = $1`, [id],
      ))!;
    },
    *shopRecipients(shop) {
      if (shop.contactEmail) return [shop.contactEmail];
      return (yield* all<{ email: string }>(`SELECT email FROM merchant_users WHERE merchant_id = $1 AND role = 'owner' AND removed_at IS NULL ORDER BY email`, [shop.id])).map((r) => r.email);
    },
    *merchantBanking(merchantId) {
      return (yield* first<ShopBankingRow>(`SELECT name, iban, bic, account_holder AS "accountHolder", stripe_account_id AS "stripeAccountId" FROM merchants WHERE id = $1`, [merchantId]))!;
    },
    *merchantSlugs() {
      return new Map((yield* all<{ id: string; slug: string }>(`SELECT id, slug FROM merchants`)).map((r) => [r.id, r.slug]));
    },
    *batchStatementCount(batchId) {
      return (yield* first<{ n: number }>(`SELECT COUNT(*) AS n FROM statements WHERE batch_id = $1`, [batchId]))!.n;
    },
    batchHolds: (batchId) => all<SettlementHold>(`SELECT ${HOLD} FROM settlement_holds WHERE batch_id = $1`, [batchId]),
    batchStatements: (batchId) => all<Statement>(`SELECT ${STATEMENT} FROM statements WHERE batch_id = $1 ORDER BY reference`, [batchId]),
    batchSepaStatements: (batchId, seq) =>
      seq === undefined
        ? all<Statement>(`SELECT ${STATEMENT} FROM statements WHERE batch_id = $1 AND method = 'sepa' ORDER BY reference`, [batchId])
        : all<Statement>(`SELECT ${STATEMENT} FROM statements WHERE batch_id = $1 AND method = 'sepa' AND sepa_file_seq = $2 ORDER BY reference`, [batchId, seq]),
    unfiledSepaStatements: (batchId) =>
      all<Statement>(`SELECT ${STATEMENT} FROM statements WHERE batch_id = $1 AND method = 'sepa' AND sepa_file_seq IS NULL AND status != 'paid' ORDER BY reference`, [batchId]),
    batchSepaFiles: (batchId) => all<SepaFile>(`SELECT ${SEPA_FILE} FROM sepa_files WHERE batch_id = $1 ORDER BY seq`, [batchId]),
    findStatement: (id) => first<Statement>(`SELECT ${STATEMENT} FROM statements WHERE id = $1`, [id]),
    dueStripeStatements: () =>
      all<Statement>(`SELECT ${STATEMENT} FROM statements WHERE method = 'stripe' AND status IN ('pending', 'failed') AND stripe_transfer_id IS NULL ORDER BY reference`),
    *statementIdForTransfer(transferId, statementId) {
      return (yield* first<{ id: string }>(`SELECT id FROM statements WHERE stripe_transfer_id = $1 OR id = $2 LIMIT 1`, [transferId, statementId]))?.id;
    },

    *nextInSequence(kind, year) {
      return (yield* first<{ seq: number }>(
        `INSERT INTO invoice_counters (kind, year, last_seq) VALUES ($1, $2, 1)
         ON CONFLICT (kind, year) DO UPDATE SET last_seq = invoice_counters.last_seq + 1 RETURNING last_seq AS seq`, [kind, year],
      ))!.seq;
    },
    insertBatch: (b) => insert(settlementBatches, b),
    *advanceBatch(batchId, add, cursor) {
      yield* query(`UPDATE settlement_batches SET gross_cents = gross_cents + $2, commission_cents = commission_cents + $3,
        vat_cents = vat_cents + $4, net_cents = net_cents + $5, merchant_cursor = $6 WHERE id = $1 AND closed_at IS NULL`,
      [batchId, add.grossCents, add.commissionCents, add.vatCents, add.netCents, cursor]);
    },
    *closeBatch(batchId, at) {
      return (yield* changes(`UPDATE settlement_batches SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL`, [batchId, at])) === 1;
    },
    *insertHolds(batchId, holds) {
      for (const h of holds) yield* insert(settlementHolds, { batchId, ...h });
    },
    insertStatement: (s) => insert(statements, s),
    *insertStatementCampaigns(rows) {
      for (const r of rows) yield* insert(statementCampaigns, r);
    },
    *stampRedemptions(merchantId, cutoff, statementId) {
      yield* query(`UPDATE redemptions SET statement_id = $3
        WHERE statement_id IS NULL AND merchant_id = $1 AND created_at <= $2 AND status = 'completed'`, [merchantId, cutoff, statementId]);
      return (yield* first<{ count: number; grossCents: number }>(
        `SELECT COUNT(*) AS count, COALESCE(SUM(amount_cents), 0) AS "grossCents" FROM redemptions WHERE statement_id = $1`, [statementId],
      ))!;
    },
    enqueueMessage: (msg, now) =>
      insert(outboxMessages, { id: newId(), kind: msg.kind, recipient: msg.recipient, payload: JSON.stringify(msg.payload), status: 'pending', nextAttemptAt: now.toISOString(), createdAt: now.toISOString() }),
    *audit(e, now) {
      yield* query(`INSERT INTO audit_log (at, actor, action, entity_type, entity_id, before, after, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [now.toISOString(), e.actor, e.action, e.entityType, e.entityId, e.before === undefined ? null : JSON.stringify(e.before), e.after === undefined ? null : JSON.stringify(e.after), e.reason ?? null]);
    },
    insertSepaFile: (f) => insert(sepaFiles, f),
    putInSepaFile: (ids, seq) => changes(`UPDATE statements SET sepa_file_seq = $2, sepa_hold_reason = NULL WHERE id = ANY($1::text[]) AND sepa_file_seq IS NULL`, [ids, seq]),
    *setSepaHoldReason(id, reason) {
      yield* query(`UPDATE statements SET sepa_hold_reason = $2 WHERE id = $1 AND sepa_file_seq IS NULL`, [id, reason]);
    },
    replaceStatementBankDetails: (id, d) =>
      changes(`UPDATE statements SET iban = $2, bic = $3, account_holder = $4 WHERE id = $1 AND sepa_file_seq IS NULL AND status != 'paid'`, [id, d.iban, d.bic, d.accountHolder]),
    markSepaFileExecuted: (batchId, seq, at, by) =>
      changes(`UPDATE sepa_files SET executed_at = $3, executed_by = $4 WHERE batch_id = $1 AND seq = $2 AND executed_at IS NULL`, [batchId, seq, at, by]),
    markBatchExecuted: (batchId, at, by) => changes(`UPDATE settlement_batches SET sepa_executed_at = $2, sepa_executed_by = $3 WHERE id = $1 AND sepa_executed_at IS NULL`, [batchId, at, by]),
    *setStatementDestination(id, acct) {
      yield* query(`UPDATE statements SET stripe_account_id = $2 WHERE id = $1 AND status != 'paid'`, [id, acct]);
    },
    *setStatementFailure(id, status, reason) {
      yield* query(`UPDATE statements SET status = $2, failure_reason = $3 WHERE id = $1 AND status IN ('pending', 'failed')`, [id, status, reason]);
    },
    *setStatementPaid(id, p) {
      yield* query(`UPDATE statements SET status = 'paid', failure_reason = NULL, paid_at = $2, paid_journal_id = $3, stripe_transfer_id = $4 WHERE id = $1`, [id, p.paidAt, p.paidJournalId, p.stripeTransferId]);
    },
    *setStatementReversed(id, a) {
      yield* query(`UPDATE statements SET status = $2, failure_reason = $3, reversed_cents = $4${a.clearPaidAt ? ', paid_at = NULL' : ''} WHERE id = $1`, [id, a.status, a.failureReason, a.reversedCents]);
    },
  };
}

/** One connection from the pool for reads outside a transaction, or a REPEATABLE READ snapshot. */
async function onConnection<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, snapshot: boolean): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    if (!snapshot) return await fn(client);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const r = await fn(client);
      await client.query('COMMIT');
      return r;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    }
  } finally {
    client.release(broken);
  }
}

/**
 * PostgreSQL units: a write is one READ COMMITTED transaction of the pool (retried whole on
 * a deadlock, a serialization failure or RunAgain) that first waits for the settlement lock.
 */
export function pgSettlementUnits(db: PgDatabase): SettlementUnits {
  return {
    // The held writes (journal postings) end the unit, sent with COMMIT (pgUnitOfWork).
    write: (fn) => awaited(() => pgUnitOfWork(db, async (unit, client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SETTLEMENT_LOCK]);
      return runAsync(fn(pgSettlementStore(client, unit)));
    })),
    read: (fn) => awaited(() => onConnection(db.pool, (client) => runAsync(fn(pgSettlementStore(client))), false)),
    snapshot: (fn) => awaited(() => onConnection(db.pool, (client) => runAsync(fn(pgSettlementStore(client))), true)),
    run: (steps) => runAsync(steps),
  };
}
