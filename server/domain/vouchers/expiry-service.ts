import type { Database_ } from '../../../db/client';
import type { PgDatabase } from '../../../db/postgres-pool';
import { pgUnitOfWork } from '../../../db/pg-write-behind';
import { runAsync, runSync, type Step } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { postJournalSteps } from '../ledger/journal-store';
import { breakageLines, type BreakageRule, type Weight } from './breakage';
import { pgExpiryStore, pgExpiryDue } from './expiry-store-pg';
import { sqliteExpiryDue, sqliteExpiryStore } from './expiry-store-sqlite';
import type { ExpiryStore } from './expiry-store';
import { changeVoucherSteps } from './voucher-ledger';
import { newId } from '../../lib/ids';

/**
 * Expires vouchers past their validity and books what was left on them as breakage.
 *
 * Which vouchers: balance > 0, expires_at < now (expires_at is the last valid millisecond,
 * end of the expiry day in Europe/Paris), and status
 * - `active`;
 * - `blocked`: blocking stops spending, it does not extend validity — the value left is
 *   breakage like any other (an operator who wants to refund a blocked voucher cancels it
 *   before it expires);
 * - `expired` with a balance: only a void of a redemption made just before the expiry and
 *   voided after the run can put value back on an expired voucher; it is swept again so
 *   no expired voucher ever keeps a balance.
 * `spent` (balance 0) and `cancelled` vouchers are never touched.
 *
 * Per voucher: an `expire` movement of −balance (balance after 0) and status `expired`.
 * Per campaign and chunk: ONE journal (`voucher_expiry`) debiting `voucher_liability` and
 * crediting the campaign's breakage rule (see breakage.ts). A run works campaign by
 * campaign in chunks of `batchSize` vouchers, each chunk its own BEGIN IMMEDIATE
 * transaction that re-reads the rows it expires: the till is never held up for long, a
 * crash leaves whole chunks, and two processes expiring at once never expire a voucher
 * twice (the second one's chunk no longer finds it). So a campaign gets one journal per
 * run unless more than `batchSize` of its vouchers expire in that run; with the
 * `merchants` rule each journal is split on its own (within one cent per shop per journal).
 * Running again finds nothing new: the run is idempotent.
 */
export interface ExpiryDeps {
  /** The SQLite file; or, on PostgreSQL, `postgres` (then `database` is not used). */
  database?: Database_;
  postgres?: PgDatabase;
  clock: Clock;
}

export interface ExpiryProgress {
  expired: number;
  /** Vouchers that were due at the start of the run (a concurrent run may take some). */
  estimated: number;
}

export interface ExpireOptions {
  now?: Date;
  batchSize?: number;
  onProgress?: (p: ExpiryProgress) => void;
}

export interface CampaignExpiry {
  campaignId: string;
  slug: string;
  rule: BreakageRule;
  /** `merchants` rule with no shop having redeemed anything: booked to breakage_revenue. */
  fallback: boolean;
  vouchers: number;
  cents: number;
  journals: number;
}

export interface ExpiryResult {
  now: string;
  vouchers: number;
  cents: number;
  byCampaign: CampaignExpiry[];
}

export const DEFAULT_EXPIRY_BATCH = 1_000;
export const EXPIRY_ACTOR = 'system:expiry';

/** Runs one chunk (a unit of work) and reads the estimate, on the deps' backend. */
interface Backend {
  due(at: string): Promise<{ campaignId: string; n: number }[]>;
  chunk<T>(steps: (store: ExpiryStore) => Step<T>): Promise<T>;
  /**
   * Vouchers per chunk at most. PostgreSQL: a chunk holds its campaign's aggregate rows (the
   * ones every till of the campaign updates) from its second voucher to COMMIT, one round
   * trip per voucher, so chunks stay small there; SQLite's write lock is the file's anyway.
   */
  maxBatch: number;
}

export const PG_EXPIRY_MAX_BATCH = 100;

function backendOf(deps: ExpiryDeps): Backend {
  if (deps.postgres) {
    const pg = deps.postgres;
    return {
      due: (at) => pgExpiryDue(pg.pool, at),
      chunk: (steps) => pgUnitOfWork(pg, (unit) => runAsync(steps(pgExpiryStore(unit)))),
      maxBatch: PG_EXPIRY_MAX_BATCH,
    };
  }
  const database = deps.database!;
  return {
    due: async (at) => sqliteExpiryDue(database, at),
    chunk: async (steps) => database.transaction((tx) => runSync(steps(sqliteExpiryStore(tx)))),
    maxBatch: Number.MAX_SAFE_INTEGER,
  };
}

/** Lets the event loop breathe between chunks (the server runs this next to the till). */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function expireVouchers(deps: ExpiryDeps, opts: ExpireOptions = {}): Promise<ExpiryResult> {
  const now = opts.now ?? deps.clock.now();
  const at = now.toISOString();
  const batchSize = opts.batchSize ?? DEFAULT_EXPIRY_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer: ${batchSize}`);
  const backend = backendOf(deps);

  // An estimate read outside any transaction: each chunk re-reads what it expires.
  const due = await backend.due(at);
  const estimated = due.reduce((s, d) => s + d.n, 0);
  const byCampaign: CampaignExpiry[] = [];
  let expired = 0;

  for (const campaignId of due.map((d) => d.campaignId).sort()) {
    const run: CampaignRun = { campaignId, at: now, batchSize: Math.min(batchSize, backend.maxBatch), summary: null, weights: null };
    let after: string | number | null = null;
    for (;;) {
      const chunk = await backend.chunk((store) => expireChunkSteps(store, run, after));
      if (!chunk) break;
      const s = run.summary!;
      s.vouchers += chunk.count;
      s.cents += chunk.cents;
      s.journals += 1;
      s.fallback ||= chunk.fallback;
      expired += chunk.count;
      after = chunk.last;
      opts.onProgress?.({ expired, estimated });
      // Until a chunk finds nothing: on PostgreSQL a short chunk may only mean that a voucher
      // was spent while the chunk waited for its lock, not that the campaign is done.
      await yieldToLoop();
    }
    if (run.summary) byCampaign.push(run.summary);
  }
  byCampaign.sort((a, b) => a.slug.localeCompare(b.slug));
  return { now: at, vouchers: expired, cents: byCampaign.reduce((s, c) => s + c.cents, 0), byCampaign };
}

/** One campaign's run: what its first chunk read, kept for the next chunks. */
interface CampaignRun {
  campaignId: string;
  at: Date;
  batchSize: number;
  summary: CampaignExpiry | null;
  weights: Weight[] | null;
}

/**
 * One chunk, in one unit of work: the next due vouchers, one journal for their value, then
 * each voucher emptied by the ledger writer. On PostgreSQL the vouchers are locked as they are
 * read and the journal is posted last, like the till's (its counter row is shared).
 */
function* expireChunkSteps(store: ExpiryStore, run: CampaignRun, after: string | number | null): Step<ChunkResult | null> {
  const { campaignId, at: now } = run;
  const rows = yield* store.dueChunk(campaignId, after, now.toISOString(), run.batchSize);
  if (rows.length === 0) return null;
  // The rule and the shops' shares are read once per campaign per run, inside the first
  // chunk's unit of work, so every chunk of the run splits the same way. (A retried first
  // chunk on PostgreSQL reads them again: nothing was kept from the rolled-back attempt.)
  const c = run.summary ?? { campaignId, ...(yield* store.campaign(campaignId)), fallback: false, vouchers: 0, cents: 0, journals: 0 };
  const weights = c.rule === 'merchants' ? run.weights ?? (yield* store.redeemedByMerchant(campaignId)) : [];
  const cents = rows.reduce((s, r) => s + r.balanceCents, 0);
  const posting = breakageLines(c.rule, campaignId, cents, weights);
  const journalId = newId();
  // The ledger writer re-reads each voucher and empties it (conditional update): the
  // journal below was computed from these rows, so a row that moved fails the chunk.
  for (const r of rows) {
    const { movement } = yield* changeVoucherSteps(store, r.id, { op: 'expire' }, { journalId, actor: EXPIRY_ACTOR, reason: 'expired', at: now });
    if (movement?.amountCents !== -r.balanceCents) throw new Error(`voucher ${r.id} changed under the expiry`);
  }
  // One entry per journal (campaign × chunk), not per voucher: a run may expire 100 000.
  yield* store.audit({ actor: EXPIRY_ACTOR, action: 'campaign_vouchers_expired', entityType: 'campaign', entityId: campaignId, after: { vouchers: rows.length, cents, rule: c.rule, journalId } }, now);
  yield* postJournalSteps(store, { kind: 'voucher_expiry', description: `Breakage: ${rows.length} expired voucher(s) of ${c.slug}`, lines: posting.lines }, now, journalId);
  // Kept for the next chunks (read-only facts: a retried attempt on PostgreSQL, whose held
  // writes and COMMIT come after these steps, reads the same values again).
  run.summary = c;
  if (c.rule === 'merchants') run.weights = weights;
  return { count: rows.length, cents, last: rows[rows.length - 1]!.after, fallback: posting.fallback };
}

interface ChunkResult {
  count: number;
  cents: number;
  last: string | number;
  fallback: boolean;
}
