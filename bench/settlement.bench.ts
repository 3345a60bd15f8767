/**
 * Settlement at scale: one run over 1 000 000 completed redemptions across 500 shops
 * (statements per shop and campaign, journals, the redemptions stamped, the SEPA file of
 * 500 transfers), then check-ledger over the same data. In-process through the real
 * services on a fresh temp SQLite file (WAL, synchronous=NORMAL), as in production.
 * Targets: settlement ≤ 10 s with bounded memory; check-ledger ≤ 10 s.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { migrateDatabase, openDatabase } from '../db/client';
import { seedDemo } from '../db/seed/demo';
import { checkLedger } from '../server/domain/ledger/check-ledger';
import type { OrdersDeps } from '../server/domain/orders/orders-service';
import { runSettlement } from '../server/domain/settlements/run-settlement';
import { fixedClock } from '../server/lib/clock';
import { createLogger } from '../server/lib/logger';
import { parisDate } from '../server/lib/paris-time';
import { loadOperator } from '../server/operator';
import { DemoProvider } from '../server/payments/demo-provider';
import { addRedemptions, addShops, issueVouchers, PER_VOUCHER } from './settlement-data';
import { MemorySampler, printBench, round, target, type BenchResult } from './support';

const THIS_FILE = fileURLToPath(import.meta.url);
export const TARGET_SETTLE_SECONDS = 10;
export const TARGET_CHECK_SECONDS = 10;

export async function runSettlementBench(opts: { redemptions?: number; shops?: number; log?: (l: string) => void } = {}): Promise<BenchResult> {
  const wanted = opts.redemptions ?? 1_000_000;
  const shops = opts.shops ?? 500;
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'bench-settlement-'));
  const database = openDatabase(`file:${join(dir, 'bench.db')}`);
  try {
    migrateDatabase(database);
    const now = new Date();
    const clock = fixedClock(now);
    await seedDemo(database, new Date(now.getTime() - 8 * 86400_000));
    addShops(database, shops, now);
    const operator = loadOperator({}, false);
    const deps: OrdersDeps = { database, clock, payments: new DemoProvider('https://bons.example.org'), baseUrl: 'https://bons.example.org', logger: createLogger('silent'), operator };
    const t0 = performance.now();
    await issueVouchers(deps, Math.ceil(wanted / PER_VOUCHER), log);
    const count = addRedemptions(database, now);
    database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    log(`settlement bench: ${count} redemptions across ${shops} shops generated in ${round((performance.now() - t0) / 1000)} s`);

    const memory = new MemorySampler().start(5);
    const t1 = performance.now();
    const r = await runSettlement({ database, clock, voidWindowMinutes: 30, operator, dataDir: dir, transfers: null }, { until: parisDate(now), actor: 'bench' });
    const settleMs = performance.now() - t1;
    const mem = memory.stop();
    if (!r.batch || r.batch.statements.length !== shops) throw new Error(`expected ${shops} statements, got ${r.batch?.statements.length}`);
    const settled = r.batch.statements.reduce((n, s) => n + s.redemptions, 0);
    log(`settlement bench: batch ${r.batch.reference}: ${settled} redemptions in ${r.batch.statements.length} statements, ${round(settleMs)} ms`);

    const t2 = performance.now();
    const breaches = checkLedger(database);
    const checkMs = performance.now() - t2;
    const t3 = performance.now();
    const rerun = await runSettlement({ database, clock, voidWindowMinutes: 30, operator, dataDir: dir, transfers: null }, { until: parisDate(now), actor: 'bench' });
    const rerunMs = performance.now() - t3;
    const sepaBytes = statSync(r.batch.sepaFile!).size;
    const dbMB = statSync(join(dir, 'bench.db')).size / 1024 / 1024;
    return {
      name: 'settlement',
      rows: [
        { step: 'settle (create batch + SEPA file)', redemptions: settled, shops: r.batch.statements.length, ms: round(settleMs), 'Δrss MB': mem.rssDeltaMB, 'Δheap MB': mem.heapDeltaMB },
        { step: 'check-ledger', redemptions: count, shops, ms: round(checkMs), 'Δrss MB': '', 'Δheap MB': '' },
        { step: 'settle again (no-op)', redemptions: 0, shops: 0, ms: round(rerunMs), 'Δrss MB': '', 'Δheap MB': '' },
      ],
      data: { redemptions: count, settled, shops, settleMs: round(settleMs), checkMs: round(checkMs), rerunMs: round(rerunMs), memory: mem, breaches, sepaBytes, dbMB: round(dbMB), created: r.created, rerunCreated: rerun.created },
      targets: [
        target(`settle ${count} redemptions / ${shops} shops`, round(settleMs / 1000, 2), '<=', (TARGET_SETTLE_SECONDS * count) / 1_000_000, 's'),
        target('check-ledger on the same data', round(checkMs / 1000, 2), '<=', TARGET_CHECK_SECONDS, 's'),
        target('redemptions settled', settled, '==', count),
        target('ledger breaches', breaches.length, '==', 0),
        target('second run creates a batch', rerun.created ? 1 : 0, '==', 0),
        target('settle: Δrss (memory bounded)', mem.rssDeltaMB, '<=', 256, 'MB'),
      ],
      notes: [
        `Data: ${count} redemptions (${PER_VOUCHER} per 100 € voucher, 1,01–9,93 €) spread over ${shops} shops and 7 days; database ${round(dbMB)} MB.`,
        `Slices of 50 shops, one short BEGIN IMMEDIATE transaction each: per slice an index-range GROUP BY of the unsettled redemptions, then per shop a statement, its campaigns, its journal and an index-range UPDATE stamping its redemptions; SEPA file ${round(sepaBytes / 1024)} KB (${shops} transfers).`,
        `Memory sampled every 5 ms during the run: peak rss ${mem.peakRssMB} MB (baseline ${mem.baselineRssMB} MB). SQLite's page cache is native memory, counted in rss.`,
      ],
    };
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === THIS_FILE) {
  const quick = process.argv.includes('--quick');
  const r = await runSettlementBench({ ...(quick ? { redemptions: 100_000, shops: 100 } : {}), log: (l) => console.error(l) });
  printBench(r);
  process.exitCode = r.targets.every((t) => t.pass) ? 0 : 1;
}
