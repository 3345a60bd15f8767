import { join } from 'node:path';
import { and, isNotNull, isNull, sql } from 'drizzle-orm';
import { settlementBatches } from '../../../db/schema/index';
import type { Seller } from '../../invoices/invoice-document';
import { payStripeStatements, type TransferGateway } from './payouts';
import { createBatch, type HoldSummary, type SettlementDeps } from './settlement-service';
import { sepaFileName, sepaXml, writeSepaFile } from './sepa-export';
import { completeSepaFiles, type HeldStatement } from './sepa-files';
import type { HoldReason } from './payout-route';
import { batchSepaFiles, batchStatements, latestBatchUntil, type SettlementBatch } from './settlements-repository';

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
  batch: (Pick<SettlementBatch, 'id' | 'reference' | 'until' | 'cutoffAt' | 'grossCents' | 'commissionCents' | 'vatCents' | 'netCents'> & {
    statements: StatementSummary[];
    /** The batch's latest SEPA file on disk (the one to upload next), null when it has none. */
    sepaFile: string | null;
    /** Every SEPA file of the batch, in order (file 1, then the completions). */
    sepaFiles: string[];
  }) | null;
  holds: (HoldSummary & { merchant: string })[];
  /** Statements of unexecuted batches left out of their SEPA file, and why (see sepa-files.ts). */
  sepaHeld: { batch: string; statement: string; merchant: string; reason: HoldReason }[];
  stripe: { paid: number; failed: number };
  /** Earlier batches whose unfinished payment step this run completed (SEPA file rewritten). */
  resumed: string[];
}

export const sepaDir = (dataDir: string) => join(dataDir, 'settlements');

/**
 * `cli settle` and the weekly job: creates the batch (or nothing, when every redemption up
 * to the cut-off is already settled), then finishes what any batch still lacks — its SEPA
 * files recorded and on disk (including a statement left out earlier whose shop fixed its
 * details), its Stripe transfers — so a run after a crash or a fix completes earlier ones.
 */
export async function runSettlement(deps: RunDeps, input: { until: string; actor: string }): Promise<RunResult> {
  const created = await createBatch(deps, input);
  deps.onStep?.('after-commit');
  const resumed: string[] = [];
  const files = new Map<string, string[]>();
  const held: { batch: SettlementBatch; s: HeldStatement }[] = [];
  for (const b of unexecutedBatches(deps)) {
    const done = completeSepaFiles(deps, b.id, input.actor);
    files.set(b.id, writeBatchSepaFiles(deps, b));
    held.push(...done.held.map((s) => ({ batch: b, s })));
    if (b.id !== created.batch?.id) resumed.push(b.reference);
  }
  deps.onStep?.('after-sepa');
  const stripe = await payStripeStatements(deps, deps.onStep);
  const batch = created.batch ?? latestBatchUntil(deps.database.db, input.until) ?? null;
  const slug = merchantSlugs(deps);
  const batchFiles = batch ? files.get(batch.id) ?? writeBatchSepaFiles(deps, batch) : [];
  return {
    created: created.batch !== null,
    batch: batch && {
      id: batch.id, reference: batch.reference, until: batch.until, cutoffAt: batch.cutoffAt,
      grossCents: batch.grossCents, commissionCents: batch.commissionCents, vatCents: batch.vatCents, netCents: batch.netCents,
      statements: batchStatements(deps.database.db, batch.id).map((s) => ({
        merchant: slug.get(s.merchantId) ?? s.merchantId, reference: s.reference, method: s.method, status: s.status,
        grossCents: s.grossCents, commissionCents: s.commissionCents, vatCents: s.vatCents, netCents: s.netCents, redemptions: s.redemptionCount,
      })),
      sepaFile: batchFiles.at(-1) ?? null,
      sepaFiles: batchFiles,
    },
    holds: created.holds.map((h) => ({ ...h, merchant: slug.get(h.merchantId) ?? h.merchantId })),
    sepaHeld: held.map(({ batch: b, s }) => ({ batch: b.reference, statement: s.reference, merchant: slug.get(s.merchantId) ?? s.merchantId, reason: s.reason })),
    stripe,
    resumed,
  };
}

/** Writes every recorded SEPA file of the batch to disk (missing after a crash, or never written): their paths. */
export function writeBatchSepaFiles(deps: Pick<RunDeps, 'database' | 'operator' | 'dataDir'>, b: SettlementBatch): string[] {
  return batchSepaFiles(deps.database.db, b.id).map((f) => writeSepaFile(sepaDir(deps.dataDir), sepaFileName(b, f.seq), sepaXml(deps.database.db, b, deps.operator, f.seq)!));
}

/** Closed batches whose SEPA payments are not complete (an open one is still being written). */
function unexecutedBatches(deps: RunDeps): SettlementBatch[] {
  return deps.database.db.select().from(settlementBatches).where(and(isNull(settlementBatches.sepaExecutedAt), isNotNull(settlementBatches.closedAt))).orderBy(settlementBatches.createdAt).all();
}

function merchantSlugs(deps: RunDeps): Map<string, string> {
  return new Map(deps.database.db.all<{ id: string; slug: string }>(sql`SELECT id, slug FROM merchants`).map((r) => [r.id, r.slug]));
}
