/**
 * `npm run bench`: runs every benchmark in sequence, prints tables, writes data/bench/results.json
 * and exits non-zero when a target is missed (or a benchmark fails to run).
 *
 *   npm run bench                         all benchmarks, full size
 *   npm run bench -- --only=voucher-pdf   one benchmark (voucher-pdf | voucher-sheets | campaign-page | redemption | redemption-pg | bulk-issue | reports | exports | scale | settle-till | settlement | copy-database)
 *   npm run bench -- --quick              smaller counts and shorter runs (smoke test; targets still checked)
 *   npm run bench -- --only=scale --sizes=10000,200000 [--sql-fill-from=200000] [--no-postgres]
 *                                         the scale benchmark at chosen sizes (SQLite and PostgreSQL side by side)
 */
// The app enables its view cache unless it runs in development; never benchmark that mode.
if (process.env.NODE_ENV !== 'test' && process.env.NODE_ENV !== 'production') process.env.NODE_ENV = 'production';

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTargets, printBench, round, type BenchResult, type TargetCheck } from './support';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'data', 'bench', 'results.json');

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const quick = args.includes('--quick');
/** `--keep=<file>`: the scale benchmark copies its database there at the end (e.g. data/scale-1m.db). */
const keep = args.find((a) => a.startsWith('--keep='))?.slice('--keep='.length);
/** scale: `--sizes=10000,200000` (redemptions), `--sql-fill-from=N` (sizes ≥ N by the fast fill), `--no-postgres`. */
const sizes = args.find((a) => a.startsWith('--sizes='))?.slice('--sizes='.length).split(',').map(Number);
const sqlFillFrom = Number(args.find((a) => a.startsWith('--sql-fill-from='))?.slice('--sql-fill-from='.length) ?? 0) || undefined;
const log = (line: string) => process.stderr.write(`  … ${line}\n`);

interface Entry {
  name: string;
  run: () => Promise<BenchResult>;
}

const benches: Entry[] = [
  {
    name: 'voucher-pdf',
    run: async () => (await import('./voucher-pdf.bench')).runVoucherPdfBench(quick ? { counts: [500, 2000], comparisonCount: 20, log } : { log }),
  },
  {
    name: 'redemption-pg',
    run: async () => (await import('./redemption-pg.bench')).runPgRedemptionBench(quick ? { duration: 3, log } : { log }),
  },
  {
    name: 'voucher-sheets',
    run: async () => (await import('./voucher-sheets.bench')).runVoucherSheetsBench(quick ? { counts: [500, 2000], log } : { log }),
  },
  {
    name: 'campaign-page',
    run: async () => (await import('./campaign-page.bench')).runCampaignPageBench(quick ? { duration: 3, warmup: 1, log } : { log }),
  },
  {
    name: 'redemption',
    run: async () => (await import('./redemption.bench')).runRedemptionBench(quick ? { duration: 3, warmup: 1, vouchers: 20, log } : { log }),
  },
  {
    name: 'bulk-issue',
    run: async () => (await import('./bulk-issue.bench')).runBulkIssueBench(quick ? { vouchers: 2000, runs: 1, log } : { log }),
  },
  {
    name: 'reports',
    run: async () => (await import('./reports.bench')).runReportsBench(quick ? { shape: { vouchers: 20_000, redemptions: 100_000, shops: 100 }, duration: 3, warmup: 1, log } : { log }),
  },
  {
    name: 'exports',
    run: async () => (await import('./exports.bench')).runExportsBench(quick ? { redemptions: 100_000, shops: 20, duration: 4, log } : { log }),
  },
  {
    name: 'scale',
    run: async () =>
      (await import('./scale.bench')).runScaleBench({
        ...(quick ? { sizes: [2_000, 10_000] } : {}),
        ...(sizes ? { sizes } : {}),
        ...(sqlFillFrom ? { sqlFillFrom } : {}),
        ...(keep ? { keepAs: keep } : {}),
        postgres: !args.includes('--no-postgres'),
        log,
      }),
  },
  {
    name: 'settle-till',
    // BENCH_SETTLE_DATA=<file>: start from a copy of a dataset built earlier (the build takes minutes).
    run: async () => (await import('./settle-till.bench')).runSettleTillBench({ ...(quick ? { redemptions: 100_000, shops: 100, baselineSeconds: 5 } : {}), data: process.env.BENCH_SETTLE_DATA || undefined, log }),
  },
  {
    name: 'settlement',
    run: async () => (await import('./settlement.bench')).runSettlementBench(quick ? { redemptions: 100_000, shops: 100, log } : { log }),
  },
  {
    name: 'copy-database',
    run: async () => (await import('./copy-database.bench')).runCopyDatabaseBench(quick ? { redemptions: 100_000, shops: 100, log } : { log }),
  },
];

async function main(): Promise<number> {
  const selected = benches.filter((b) => !only || b.name === only);
  if (selected.length === 0) {
    console.error(`unknown benchmark "${only}"; known: ${benches.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const load = loadavg().map((l) => round(l, 2));
  const env = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemMB: Math.round(totalmem() / 1024 / 1024),
    loadavgAtStart: load,
    nodeEnv: process.env.NODE_ENV,
    quick,
  };
  console.log(`# Benchmarks — node ${env.node}, ${env.cpus} × ${env.cpuModel}, NODE_ENV=${env.nodeEnv}${quick ? ', QUICK mode' : ''}`);
  console.log(`load average at start: ${load.join(' / ')}`);
  if ((load[0] ?? 0) > env.cpus * 0.5) console.log(`⚠ the machine is already busy (load ${load[0]} on ${env.cpus} CPUs): figures will be lower and noisier than on an idle machine.`);

  const startedAt = new Date();
  const results: (BenchResult & { seconds: number })[] = [];
  const errors: { name: string; error: string }[] = [];
  for (const b of selected) {
    const t0 = Date.now();
    try {
      const r = await b.run();
      const seconds = round((Date.now() - t0) / 1000);
      results.push({ ...r, seconds });
      printBench(r);
    } catch (err) {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      errors.push({ name: b.name, error: message });
      console.log(`\n## ${b.name}\n\nERROR: ${message}`);
    }
  }

  const all: (TargetCheck & { bench: string })[] = results.flatMap((r) => r.targets.map((t) => ({ ...t, bench: r.name })));
  const pass = errors.length === 0 && all.every((t) => t.pass);

  console.log('\n# Summary\n');
  console.log(formatTargets(all.map((t) => ({ ...t, name: `${t.bench}: ${t.name}` }))));
  for (const e of errors) console.log(`ERROR in ${e.name} (counts as a failure)`);
  console.log(`\n${pass ? 'ALL TARGETS MET' : 'TARGET(S) MISSED'} — results written to ${RESULTS}`);

  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(
    RESULTS,
    JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        env,
        pass,
        benches: results.map((r) => ({ name: r.name, seconds: r.seconds, targets: r.targets, rows: r.rows, tables: r.tables, data: r.data, notes: r.notes })),
        errors,
      },
      null,
      2,
    ) + '\n',
  );
  return pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
