import { join } from 'node:path';
import { runSync, type Step } from '../../../db/unit-of-work';
import type { Seller } from '../../invoices/invoice-document';
import { payStripeStatements, type TransferGateway } from './payouts';
import { createBatch, sqliteCore, type HoldSummary, type SettlementCore, type SettlementDeps } from './settlement-service';
import { sepaFileName, sepaXmlSteps, writeSepaFile } from './sepa-export';
import { completeSepaFilesSteps, type HeldStatement } from './sepa-files';
import type { HoldReason } from './payout-route';
import type { SettlementUnits } from './settlement-store';
import { sqliteSettlementUnits } from './settlement-store-sqlite';
import type { SettlementBatch } from './settlements-repository';

interface RunExtras {
  transfers: TransferGateway | null;
  operator: Seller;
  dataDir: string;
}

/** SQLite callers (the app's routes and weekly job, the tests, the benches). */
export interface RunDeps extends SettlementDeps, RunExtras {}

/** Either backend: its units of work (settlement-store.ts). */
export interface RunCore extends SettlementCore, RunExtras {}

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
export async function runSettlement(deps: RunDeps | RunCore, input: { until: string; actor: string }): Promise<RunResult> {
  const core: RunCore = 'units' in deps ? deps : sqliteCore(deps);
  const { units } = core;
  const created = await createBatch(core, input);
  core.onStep?.('after-commit');
  const resumed: string[] = [];
  const files = new Map<string, string[]>();
  const held: { batch: SettlementBatch; s: HeldStatement }[] = [];
  for (const b of await units.run(units.read((s) => s.unexecutedBatches()))) {
    const done = await units.run(completeSepaFilesSteps(units, core, b.id, input.actor));
    files.set(b.id, await units.run(batchSepaFilesOnDisk(units, core, b)));
    held.push(...done.held.map((s) => ({ batch: b, s })));
    if (b.id !== created.batch?.id) resumed.push(b.reference);
  }
  core.onStep?.('after-sepa');
  const stripe = await payStripeStatements(core, core.onStep);
  const batch = created.batch ?? (await units.run(units.read((s) => s.latestBatchUntil(input.until)))) ?? null;
  const slug = await units.run(units.read((s) => s.merchantSlugs()));
  const batchFiles = batch ? files.get(batch.id) ?? (await units.run(batchSepaFilesOnDisk(units, core, batch))) : [];
  const statements = batch ? await units.run(units.read((s) => s.batchStatements(batch.id))) : [];
  return {
    created: created.batch !== null,
    batch: batch && {
      id: batch.id, reference: batch.reference, until: batch.until, cutoffAt: batch.cutoffAt,
      grossCents: batch.grossCents, commissionCents: batch.commissionCents, vatCents: batch.vatCents, netCents: batch.netCents,
      statements: statements.map((s) => ({
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
export function* batchSepaFilesOnDisk(units: SettlementUnits, deps: Pick<RunDeps, 'operator' | 'dataDir'>, b: SettlementBatch): Step<string[]> {
  return yield* units.read(function* (s) {
    const paths: string[] = [];
    for (const f of yield* s.batchSepaFiles(b.id)) paths.push(writeSepaFile(sepaDir(deps.dataDir), sepaFileName(b, f.seq), (yield* sepaXmlSteps(s, b, deps.operator, f.seq))!));
    return paths;
  });
}

/** batchSepaFilesOnDisk on SQLite, synchronously. */
export function writeBatchSepaFiles(deps: Pick<RunDeps, 'database' | 'operator' | 'dataDir'>, b: SettlementBatch): string[] {
  return runSync(batchSepaFilesOnDisk(sqliteSettlementUnits(deps.database), deps, b));
}
