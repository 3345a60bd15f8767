import type { Database_ } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { audit } from '../audit/audit-log';
import { postJournal } from '../ledger/ledger-repository';
import { breakageLines, type BreakageRule, type Weight } from './breakage';
import { changeVoucher } from './voucher-ledger';
import { REFUND_HOLD_PREFIX } from './voucher-transitions';

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
  database: Database_;
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
// A voucher held by a refund in progress is the refund's (voucher-transitions.ts): if the refund
// fails and the voucher is released, the next run expires it.
const EXPIRABLE = `status IN ('active', 'blocked', 'expired') AND balance_cents > 0 AND expires_at < ? AND (block_reason IS NULL OR block_reason NOT LIKE '${REFUND_HOLD_PREFIX}%')`;

interface Candidate {
  rid: number;
  id: string;
  status: string;
  balanceCents: number;
}

/** Prepared once per database: a run may write 100 000 movements. */
function build(database: Database_) {
  const s = database.sqlite;
  return {
    due: s.prepare<[string], { campaignId: string; n: number }>(`SELECT campaign_id AS campaignId, COUNT(*) AS n FROM vouchers WHERE ${EXPIRABLE} GROUP BY campaign_id`),
    campaign: s.prepare<[string], { slug: string; rule: BreakageRule }>(`SELECT slug, breakage_rule AS rule FROM campaigns WHERE id = ?`),
    // Keyset on rowid through the campaign index: each chunk starts where the last stopped.
    chunk: s.prepare<[string, number, string, number], Candidate>(
      `SELECT rowid AS rid, id, status, balance_cents AS balanceCents FROM vouchers
       WHERE campaign_id = ? AND rowid > ? AND ${EXPIRABLE} ORDER BY rowid LIMIT ?`,
    ),
    redeemedByMerchant: s.prepare<[string], Weight>(
      `SELECT merchant_id AS key, SUM(amount_cents) AS weight FROM redemptions WHERE campaign_id = ? AND status = 'completed' GROUP BY merchant_id`,
    ),
  };
}

const cache = new WeakMap<Database_, ReturnType<typeof build>>();
function statements(database: Database_) {
  let st = cache.get(database);
  if (!st) cache.set(database, (st = build(database)));
  return st;
}

/** Lets the event loop breathe between chunks (the server runs this next to the till). */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function expireVouchers(deps: ExpiryDeps, opts: ExpireOptions = {}): Promise<ExpiryResult> {
  const now = opts.now ?? deps.clock.now();
  const at = now.toISOString();
  const batchSize = opts.batchSize ?? DEFAULT_EXPIRY_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer: ${batchSize}`);
  const st = statements(deps.database);

  // An estimate read outside any transaction: each chunk re-reads what it expires.
  const due = st.due.all(at);
  const estimated = due.reduce((s, d) => s + d.n, 0);
  const byCampaign: CampaignExpiry[] = [];
  let expired = 0;

  for (const campaignId of due.map((d) => d.campaignId).sort()) {
    // Typed with `as`: they are set inside the transaction callbacks below.
    let summary = null as CampaignExpiry | null;
    let weights = null as Weight[] | null;
    let after = 0;
    for (;;) {
      const chunk = deps.database.transaction((tx) => {
        const rows = st.chunk.all(campaignId, after, at, batchSize);
        if (rows.length === 0) return null;
        // The rule and the shops' shares are read once per campaign per run, inside the
        // first chunk's transaction, so every chunk of the run splits the same way.
        const c = (summary ??= { campaignId, ...st.campaign.get(campaignId)!, fallback: false, vouchers: 0, cents: 0, journals: 0 });
        if (c.rule === 'merchants') weights ??= st.redeemedByMerchant.all(campaignId);
        const cents = rows.reduce((s, r) => s + r.balanceCents, 0);
        const posting = breakageLines(c.rule, campaignId, cents, weights ?? []);
        const journalId = postJournal(tx, { kind: 'voucher_expiry', description: `Breakage: ${rows.length} expired voucher(s) of ${c.slug}`, lines: posting.lines }, now);
        // The ledger writer re-reads each voucher and empties it (conditional update): the
        // journal above was computed from these rows, so a row that moved fails the chunk.
        for (const r of rows) {
          const { movement } = changeVoucher(tx, r.id, { op: 'expire' }, { journalId, actor: EXPIRY_ACTOR, reason: 'expired', at: now });
          if (movement?.amountCents !== -r.balanceCents) throw new Error(`voucher ${r.id} changed under the expiry`);
        }
        // One entry per journal (campaign × chunk), not per voucher: a run may expire 100 000.
        audit(tx, { actor: EXPIRY_ACTOR, action: 'campaign_vouchers_expired', entityType: 'campaign', entityId: campaignId, after: { vouchers: rows.length, cents, rule: c.rule, journalId } }, now);
        return { count: rows.length, cents, last: rows[rows.length - 1]!.rid, fallback: posting.fallback, full: rows.length === batchSize };
      });
      if (!chunk) break;
      const s = summary!;
      s.vouchers += chunk.count;
      s.cents += chunk.cents;
      s.journals += 1;
      s.fallback ||= chunk.fallback;
      expired += chunk.count;
      after = chunk.last;
      opts.onProgress?.({ expired, estimated });
      if (!chunk.full) break;
      await yieldToLoop();
    }
    if (summary) byCampaign.push(summary);
  }
  byCampaign.sort((a, b) => a.slug.localeCompare(b.slug));
  return { now: at, vouchers: expired, cents: byCampaign.reduce((s, c) => s + c.cents, 0), byCampaign };
}
