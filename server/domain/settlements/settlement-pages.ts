/**
 * The back-office settlement pages' reads that the settlement store has no step for, as read
 * programs (db/read-program.ts: portable SQL, one snapshot on either backend).
 */
import { getTableColumns } from 'drizzle-orm';
import type { ReadProgram } from '../../../db/read-program';
import { settlementBatches } from '../../../db/schema/index';
import type { SettlementBatch } from './settlements-repository';

export interface UnsettledShop {
  slug: string; name: string; iban: string | null; bic: string | null; accountHolder: string | null; stripeAccountId: string | null; n: number; cents: number;
}

/** Completed redemptions not settled yet, up to the cut-off, per shop (biggest first). */
export function* unsettledByShop(cutoffIso: string): ReadProgram<UnsettledShop[]> {
  return (yield {
    sql: `SELECT m.slug, m.name, m.iban, m.bic, m.account_holder AS "accountHolder", m.stripe_account_id AS "stripeAccountId", COUNT(*) AS n, SUM(r.amount_cents) AS cents
            FROM redemptions r JOIN merchants m ON m.id = r.merchant_id
           WHERE r.status = 'completed' AND r.statement_id IS NULL AND r.created_at <= @cutoff
           GROUP BY m.id, m.slug, m.name, m.iban, m.bic, m.account_holder, m.stripe_account_id ORDER BY cents DESC`,
    params: { cutoff: cutoffIso },
  }) as unknown as UnsettledShop[];
}

const BATCH = Object.entries(getTableColumns(settlementBatches)).map(([key, c]) => `b.${c.name} AS "${key}"`).join(', ');

/** The latest batches with their statement counts (settlements-repository.ts listBatches). */
export function* recentBatches(limit = 100): ReadProgram<(SettlementBatch & { statementCount: number })[]> {
  return (yield {
    sql: `SELECT ${BATCH}, (SELECT COUNT(*) FROM statements s WHERE s.batch_id = b.id) AS "statementCount"
            FROM settlement_batches b ORDER BY b.created_at DESC LIMIT @limit`,
    params: { limit },
  }) as unknown as (SettlementBatch & { statementCount: number })[];
}

/** Every shop's name, for the batch page's rows. */
export function* shopNames(): ReadProgram<Map<string, string>> {
  const rows = (yield { sql: `SELECT id, name FROM merchants` }) as { id: string; name: string }[];
  return new Map(rows.map((m) => [m.id, m.name]));
}
