/**
 * What settlement (slices, SEPA files, payouts) asks of the database, as steps
 * (db/unit-of-work.ts), so its services are written once and run on both backends — the
 * till's pattern (redemptions/till-store.ts). Implementations: settlement-store-sqlite.ts
 * (today's repository functions, synchronous, inside BEGIN IMMEDIATE) and
 * settlement-store-pg.ts (PostgreSQL, READ COMMITTED units of work serialised among
 * themselves by a transaction-scoped advisory lock, never blocking the till).
 */
import type { Step } from '../../../db/unit-of-work';
import type { AuditInput } from '../audit/audit-log';
import type { SequenceKind } from '../invoices/invoice-numbers';
import type { JournalStore } from '../ledger/journal-store';
import type { HoldSummary } from './settlement-service';
import type { SepaFile, SettlementBatch, SettlementHold, Statement, StatementCampaign, UnsettledGroup } from './settlements-repository';

export type ShopRow = { id: string; slug: string; name: string; siret: string | null; iban: string | null; bic: string | null; accountHolder: string | null; stripeAccountId: string | null; contactEmail: string | null };
export type ShopBankingRow = { name: string; iban: string | null; bic: string | null; accountHolder: string | null; stripeAccountId: string | null };
type Totals = { grossCents: number; commissionCents: number; vatCents: number; netCents: number };

export interface SettlementStore extends JournalStore {
  // Reads (see settlements-repository.ts for the index each one uses).
  owedBreakage(): Step<Map<string, number>>;
  journalCounterMarks(): Step<Record<string, number>>;
  findOpenBatch(): Step<SettlementBatch | undefined>;
  findBatch(id: string): Step<SettlementBatch | undefined>;
  findBatchByReference(reference: string): Step<SettlementBatch | undefined>;
  latestBatchUntil(until: string): Step<SettlementBatch | undefined>;
  /** Closed batches whose SEPA payments are not complete, oldest first. */
  unexecutedBatches(): Step<SettlementBatch[]>;
  merchantIdsAfter(after: string, limit: number): Step<string[]>;
  unsettledCounts(cutoffIso: string, after: string, upTo: string): Step<{ merchantId: string; n: number }[]>;
  unsettledGroups(cutoffIso: string, after: string, upTo: string): Step<UnsettledGroup[]>;
  /**
   * Locks the slice's unsettled redemptions before they are priced, so the stamping finds
   * exactly what was priced: PostgreSQL `FOR UPDATE` (a void in flight is waited for, and a
   * later one waits for the slice and is refused); nothing on SQLite, whose write lock
   * already keeps every other writer out.
   */
  lockUnsettled(cutoffIso: string, after: string, upTo: string): Step<void>;
  settingInt(key: string, fallback: number): Step<number>;
  campaignRates(): Step<Map<string, number>>;
  peekSequence(kind: 'settlement' | 'statement', year: number): Step<number>;
  shopRow(id: string): Step<ShopRow>;
  /** The shop's contact address, else its owners (active accounts). */
  shopRecipients(shop: ShopRow): Step<string[]>;
  merchantBanking(merchantId: string): Step<ShopBankingRow>;
  merchantSlugs(): Step<Map<string, string>>;
  batchStatementCount(batchId: string): Step<number>;
  batchHolds(batchId: string): Step<SettlementHold[]>;
  batchStatements(batchId: string): Step<Statement[]>;
  batchSepaStatements(batchId: string, seq?: number): Step<Statement[]>;
  unfiledSepaStatements(batchId: string): Step<Statement[]>;
  batchSepaFiles(batchId: string): Step<SepaFile[]>;
  findStatement(id: string): Step<Statement | undefined>;
  /** Stripe statements not paid yet and with no transfer recorded (any batch). */
  dueStripeStatements(): Step<Statement[]>;
  statementIdForTransfer(transferId: string, statementId: string): Step<string | undefined>;

  // Writes.
  /** The next number of a yearly sequence; its counter row stays locked until the unit of work ends (gap-free). */
  nextInSequence(kind: SequenceKind, year: number): Step<number>;
  insertBatch(b: SettlementBatch): Step<void>;
  advanceBatch(batchId: string, add: Totals, cursor: string): Step<void>;
  closeBatch(batchId: string, at: string): Step<boolean>;
  insertHolds(batchId: string, holds: HoldSummary[]): Step<void>;
  insertStatement(s: Statement): Step<void>;
  insertStatementCampaigns(rows: StatementCampaign[]): Step<void>;
  /** Stamps the shop's unsettled completed redemptions (`statement_id IS NULL` guard); what was stamped. */
  stampRedemptions(merchantId: string, cutoffIso: string, statementId: string): Step<{ count: number; grossCents: number }>;
  enqueueMessage(msg: { kind: string; recipient: string; payload: object }, now: Date): Step<void>;
  audit(e: AuditInput, now: Date): Step<void>;
  insertSepaFile(f: Pick<SepaFile, 'batchId' | 'seq' | 'messageId' | 'createdAt'>): Step<void>;
  putInSepaFile(statementIds: string[], seq: number): Step<number>;
  setSepaHoldReason(statementId: string, reason: string): Step<void>;
  replaceStatementBankDetails(statementId: string, d: { iban: string; bic: string | null; accountHolder: string }): Step<number>;
  markSepaFileExecuted(batchId: string, seq: number, at: string, by: string): Step<number>;
  markBatchExecuted(batchId: string, at: string, by: string): Step<number>;
  /** The destination of a statement not paid yet (a failed transfer retried to the shop's fixed account). */
  setStatementDestination(id: string, stripeAccountId: string): Step<void>;
  setStatementFailure(id: string, status: 'failed' | 'pending', reason: string): Step<void>;
  setStatementPaid(id: string, p: { paidAt: string; paidJournalId: string | null; stripeTransferId: string | null }): Step<void>;
  setStatementReversed(id: string, after: { status: 'failed' | 'partially_reversed'; failureReason: string; reversedCents: number; clearPaidAt: boolean }): Step<void>;
}

/**
 * Units of work over the store. Each returns a step itself, so a service made of several
 * units (a slice, then the SEPA file, then each payment) is one generator too: on SQLite the
 * whole run is synchronous (each unit its own BEGIN IMMEDIATE), on PostgreSQL each unit
 * is awaited.
 */
export interface SettlementUnits {
  /** A writing unit of work: SQLite BEGIN IMMEDIATE; PostgreSQL READ COMMITTED after the settlement lock. */
  write<T>(fn: (s: SettlementStore) => Step<T>): Step<T>;
  /** Reads outside any transaction (each statement sees the latest commit). */
  read<T>(fn: (s: SettlementStore) => Step<T>): Step<T>;
  /** Reads on one consistent snapshot (SQLite deferred transaction; PostgreSQL REPEATABLE READ READ ONLY). */
  snapshot<T>(fn: (s: SettlementStore) => Step<T>): Step<T>;
  /** Drives a service of these units: runSync on SQLite, runAsync on PostgreSQL. */
  run<T>(steps: Step<T>): Promise<T>;
}
