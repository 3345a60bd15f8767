import type { Database_ } from '../../db/client';
import { runSync, type Step } from '../../db/unit-of-work';
import type { Config } from '../config';
import { batchSepaFilesOnDisk, runSettlement } from '../domain/settlements/run-settlement';
import { completeSepaFilesSteps } from '../domain/settlements/sepa-files';
import { markSepaExecutedSteps } from '../domain/settlements/payouts';
import type { SettlementUnits } from '../domain/settlements/settlement-store';
import { sqliteSettlementUnits } from '../domain/settlements/settlement-store-sqlite';
import { isCalendarDate } from '../lib/calendar-date';
import { systemClock } from '../lib/clock';
import { transferGateway } from '../payments/stripe-transfers';

import { euros, usage, type Opts, type Result } from './command';


/**
 * `settle --until YYYY-MM-DD`: the contract's JSON shape is
 * {"batch":{"id","until","statements":[{merchant,grossCents,commissionCents,vatCents,netCents,redemptions}],"sepaFile"}}.
 * `SETTLEMENT_FAULT_AT=<step>` (never honoured in production) kills the process at that
 * step: the crash tests use it to prove a rerun completes the books.
 */
export function settleCommand(db: Database_, opts: Opts, config: Config): Promise<Result> {
  return settleOn(sqliteSettlementUnits(db), opts, config);
}

/** `settle` on either backend (PostgreSQL: server/cli/postgres-commands.ts). */
export async function settleOn(units: SettlementUnits, opts: Opts, config: Config): Promise<Result> {
  if (!isCalendarDate(opts.until)) usage('settle needs --until YYYY-MM-DD, a real day between 2000 and 2100');
  const fault = config.env !== 'production' ? process.env.SETTLEMENT_FAULT_AT : undefined;
  const r = await runSettlement(
    {
      units, clock: systemClock, voidWindowMinutes: config.voidWindowMinutes, operator: config.operator, dataDir: config.dataDir,
      transfers: transferGateway(config.stripe),
      sliceMerchants: sliceOption(),
      onStep: (step) => {
        if (step === fault) process.kill(process.pid, 'SIGKILL');
      },
    },
    { until: opts.until, actor: 'cli' },
  );
  const lines = r.batch
    ? [
        `${r.created ? 'batch' : 'nothing new to settle; latest batch for this date:'} ${r.batch.reference} (cut-off ${r.batch.cutoffAt})`,
        ...r.batch.statements.map((s) => `  ${s.reference} ${s.merchant.padEnd(28)} ${String(s.redemptions).padStart(7)} op.  gross ${euros(s.grossCents)}  commission ${euros(s.commissionCents)}  VAT ${euros(s.vatCents)}  net ${euros(s.netCents)}  ${s.method} ${s.status}`),
        `  total gross ${euros(r.batch.grossCents)}, net paid ${euros(r.batch.netCents)}`,
        r.batch.sepaFile ? `  SEPA file: ${r.batch.sepaFile}` : '  no SEPA file (no shop paid by transfer)',
      ]
    : ['nothing to settle'];
  for (const h of r.holds) lines.push(`  held back: ${h.merchant} (${h.reason}) ${h.redemptionCount} op. ${euros(h.grossCents)}`);
  for (const h of r.sepaHeld) lines.push(`  out of the SEPA file: ${h.statement} ${h.merchant} (${h.batch}, ${h.reason}): fix the shop's bank details, the next run or \`sepa-file --batch ${h.batch}\` adds it`);
  if (r.resumed.length) lines.push(`  completed earlier batch(es): ${r.resumed.join(', ')}`);
  if (r.stripe.paid || r.stripe.failed) lines.push(`  Stripe transfers: ${r.stripe.paid} paid, ${r.stripe.failed} failed`);
  return { code: 0, json: { batch: r.batch, created: r.created, holds: r.holds, sepaHeld: r.sepaHeld, stripe: r.stripe, resumed: r.resumed }, text: lines.join('\n') };
}

/**
 * `SETTLEMENT_SLICE_MERCHANTS`: shops per settlement transaction (default 50). Smaller
 * slices free the write lock more often; the tests use 1 to interleave processes.
 */
function sliceOption(): number | undefined {
  const v = process.env.SETTLEMENT_SLICE_MERCHANTS;
  if (v === undefined || v === '') return undefined;
  if (!/^[1-9]\d{0,4}$/.test(v)) usage('SETTLEMENT_SLICE_MERCHANTS is a whole number of shops between 1 and 99999');
  return Number(v);
}

const fileOption = (opts: Opts): number | undefined => {
  if (opts.file === undefined) return undefined;
  if (typeof opts.file !== 'string' || !/^[1-9]\d{0,3}$/.test(opts.file)) usage('--file takes the file number (1, 2, …)');
  return Number(opts.file);
};

/** `sepa-executed --batch RGL-YYYY-NNNN [--file N]`: the bank executed the file; its statements are paid. */
export function sepaExecutedCommand(db: Database_, opts: Opts): Result {
  return runSync(sepaExecutedSteps(sqliteSettlementUnits(db), opts));
}

/** `sepa-executed` on either backend, as steps. */
export function* sepaExecutedSteps(units: SettlementUnits, opts: Opts): Step<Result> {
  if (typeof opts.batch !== 'string') usage('sepa-executed needs --batch REFERENCE');
  const seq = fileOption(opts);
  const reference = opts.batch;
  const batch = yield* units.read((s) => s.findBatchByReference(reference));
  if (!batch) return { code: 1, json: { error: 'BATCH_NOT_FOUND' }, text: `no batch ${opts.batch}` };
  const r = yield* markSepaExecutedSteps(units, systemClock, batch.id, 'cli', seq);
  return { code: 0, json: { batch: batch.reference, ...r }, text: r.alreadyExecuted ? `${batch.reference} was already marked executed` : `${batch.reference}: ${r.paid} statement(s) marked paid` };
}

/** `sepa-file --batch RGL-YYYY-NNNN`: completes a committed batch whose statements were left out of its SEPA files. */
export function sepaFileCommand(db: Database_, opts: Opts, config: Config): Result {
  return runSync(sepaFileSteps(sqliteSettlementUnits(db), opts, config));
}

/** `sepa-file` on either backend, as steps. */
export function* sepaFileSteps(units: SettlementUnits, opts: Opts, config: Config): Step<Result> {
  if (typeof opts.batch !== 'string') usage('sepa-file needs --batch REFERENCE');
  const reference = opts.batch;
  const batch = yield* units.read((s) => s.findBatchByReference(reference));
  if (!batch) return { code: 1, json: { error: 'BATCH_NOT_FOUND' }, text: `no batch ${opts.batch}` };
  const deps = { clock: systemClock, operator: config.operator, dataDir: config.dataDir };
  const r = yield* completeSepaFilesSteps(units, deps, batch.id, 'cli');
  const files = yield* batchSepaFilesOnDisk(units, deps, batch);
  const lines = [r.produced === null ? `${batch.reference}: no new SEPA file` : `${batch.reference}: SEPA file ${r.produced} written: ${files.at(-1)}`];
  for (const h of r.held) lines.push(`  out of the SEPA file: ${h.reference} (${h.reason})`);
  // Exit 1 while a statement is still left out: a script sees the batch is not complete.
  return { code: r.held.length ? 1 : 0, json: { batch: batch.reference, produced: r.produced, files, held: r.held.map((h) => ({ statement: h.reference, reason: h.reason })) }, text: lines.join('\n') };
}
