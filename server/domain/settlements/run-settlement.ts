import { join } from 'node:path';
import { isNull, sql } from 'drizzle-orm';
import { settlementBatches } from '../../../db/schema/index';
import type { Seller } from '../../invoices/invoice-document';
import { payStripeStatements, type TransferGateway } from './payouts';
import { createBatch, type HoldSummary, type SettlementDeps } from './settlement-service';
import { sepaXml, writeSepaFile } from './sepa-export';
import { batchStatements, latestBatchUntil, type SettlementBatch } from './settlements-repository';

export interface RunDeps extends SettlementDeps {
  transfers: TransferGateway | null;
  operator: Seller;
  dataDir: string;
}

export interface StatementSummary {
  merchant: string;
  reference: string;
  method: 'sepa' | 'stripe';
  status: string;
  grossCents: number;
  commissionCents: number;
  vatCents: number;
  netCents: number;
  redemptions: number;
}

export interface RunResult {
  created: boolean;
  batch: (Pick<SettlementBatch, 'id' | 'reference' | 'until' | 'cutoffAt' | 'grossCents' | 'commissionCents' | 'vatCents' | 'netCents'> & { statements: StatementSummary[]; sepaFile: string | null }) | null;
  holds: (HoldSummary & { merchant: string })[];
  stripe: { paid: number; failed: number };
  /** Earlier batches whose unfinished payment step this run completed (SEPA file rewritten). */
  resumed: string[];
}

export const sepaDir = (dataDir: string) => join(dataDir, 'settlements');

/**
 * `cli settle` and the weekly job: creates the batch (or nothing, when every redemption up
 * to the cut-off is already settled), then finishes what any batch still lacks — its SEPA
 * file on disk, its Stripe transfers — so a run after a crash completes the previous one.
 */
export async function runSettlement(deps: RunDeps, input: { until: string; actor: string }): Promise<RunResult> {
  const created = createBatch(deps, input);
  deps.onStep?.('after-commit');
  const resumed: string[] = [];
  const files = new Map<string, string | null>();
  for (const b of unexecutedBatches(deps)) {
    files.set(b.id, sepaFileOf(deps, b));
    if (b.id !== created.batch?.id) resumed.push(b.reference);
  }
  deps.onStep?.('after-sepa');
  const stripe = await payStripeStatements(deps, deps.onStep);
  const batch = created.batch ?? latestBatchUntil(deps.database.db, input.until) ?? null;
  const slug = merchantSlugs(deps);
  return {
    created: created.batch !== null,
    batch: batch && {
      id: batch.id, reference: batch.reference, until: batch.until, cutoffAt: batch.cutoffAt,
      grossCents: batch.grossCents, commissionCents: batch.commissionCents, vatCents: batch.vatCents, netCents: batch.netCents,
      statements: batchStatements(deps.database.db, batch.id).map((s) => ({
        merchant: slug.get(s.merchantId) ?? s.merchantId, reference: s.reference, method: s.method, status: s.status,
        grossCents: s.grossCents, commissionCents: s.commissionCents, vatCents: s.vatCents, netCents: s.netCents, redemptions: s.redemptionCount,
      })),
      sepaFile: files.has(batch.id) ? files.get(batch.id)! : sepaFileOf(deps, batch),
    },
    holds: created.holds.map((h) => ({ ...h, merchant: slug.get(h.merchantId) ?? h.merchantId })),
    stripe,
    resumed,
  };
}

function sepaFileOf(deps: RunDeps, b: SettlementBatch): string | null {
  const xml = sepaXml(deps.database.db, b, deps.operator);
  return xml ? writeSepaFile(sepaDir(deps.dataDir), b, xml) : null;
}

function unexecutedBatches(deps: RunDeps): SettlementBatch[] {
  return deps.database.db.select().from(settlementBatches).where(isNull(settlementBatches.sepaExecutedAt)).orderBy(settlementBatches.createdAt).all();
}

function merchantSlugs(deps: RunDeps): Map<string, string> {
  return new Map(deps.database.db.all<{ id: string; slug: string }>(sql`SELECT id, slug FROM merchants`).map((r) => [r.id, r.slug]));
}
