/**
 * The till while a settlement runs. The real app (this process, on a file of N unsettled
 * redemptions across S shops) answers `POST /api/v1/redemptions`; a small closed-loop probe
 * (a few connections, far below saturation, so it measures waiting rather than throughput)
 * records every request's latency:
 *   1. without settlement (baseline);
 *   2. while `cli settle` runs in ANOTHER process on the same file, in slices of shops
 *      (the default: short transactions);
 * Target: the till's p99 during a sliced settlement ≤ 2 × its p99 without.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { migrateDatabase, openDatabase } from '../db/client';
import { seedDemo } from '../db/seed/demo';
import type { OrdersDeps } from '../server/domain/orders/orders-service';
import { fixedClock } from '../server/lib/clock';
import { createLogger } from '../server/lib/logger';
import { parisDate } from '../server/lib/paris-time';
import { loadOperator } from '../server/operator';
import { DemoProvider } from '../server/payments/demo-provider';
import { shopKey } from '../tests/support/builders';
import { startTestApp } from '../tests/support/test-app';
import { ensureNonDevelopmentEnv } from './http-load';
import { addRedemptions, addShops, issueVouchers, PER_VOUCHER } from './settlement-data';
import { round, target, type BenchResult } from './support';

const THIS_FILE = fileURLToPath(import.meta.url);
const ROOT = join(THIS_FILE, '..', '..');
export const TARGET_P99_RATIO = 2;
const MERCHANT = 'librairie-la-galerne';

export interface SettleTillOptions {
  redemptions?: number;
  shops?: number;
  /** A database built earlier by this benchmark's data step (copied, never modified). */
  data?: string;
  baselineSeconds?: number;
  connections?: number;
  log?: (l: string) => void;
}

interface Probe {
  samples: number[];
  errors: number;
  stop: () => Promise<void>;
}

let probes = 0;
/** `connections` loops, each sending one redemption of 1 cent after the other, until stopped. */
function probe(url: string, key: string, codes: string[], connections: number): Probe {
  const samples: number[] = [];
  let errors = 0;
  let running = true;
  let n = 0;
  const run = ++probes;
  const loop = async (c: number) => {
    while (running) {
      const code = codes[(n++ * 7 + c) % codes.length]!;
      const t = performance.now();
      try {
        const res = await fetch(`${url}/api/v1/redemptions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ code, amountCents: 1, idempotencyKey: `probe-${process.pid}-${run}-${c}-${n}` }),
        });
        await res.arrayBuffer();
        if (res.status === 201) samples.push(performance.now() - t);
        else errors++;
      } catch {
        // A reset connection is a failed till call, counted, not a crash of the benchmark.
        errors++;
      }
    }
  };
  const loops = Array.from({ length: connections }, (_, c) => loop(c));
  return { samples, get errors() { return errors; }, stop: async () => { running = false; await Promise.all(loops); } } as Probe;
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

function settleChild(dbFile: string, dataDir: string, sliceMerchants: string): Promise<{ status: number | null; ms: number; json: { batch?: { statements?: unknown[] } } | null; stderr: string }> {
  const t = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/cli.ts'), 'settle', '--until', parisDate(new Date()), '--json'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', BASE_URL: 'http://localhost:3000', DATABASE_URL: `file:${dbFile}`, DATA_DIR: dataDir, SETTLEMENT_SLICE_MERCHANTS: sliceMerchants },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (status) => {
    const last = stdout.trim().split('\n').at(-1) ?? '';
    resolve({ status, ms: performance.now() - t, json: last.startsWith('{') ? JSON.parse(last) : null, stderr });
  }));
}

/** The data step: N redemptions over S shops with set-based SQL (bench/settlement-data.ts). */
export async function buildSettleData(file: string, redemptions: number, shops: number, log: (l: string) => void): Promise<void> {
  const database = openDatabase(`file:${file}`);
  try {
    migrateDatabase(database);
    const now = new Date();
    await seedDemo(database, new Date(now.getTime() - 8 * 86400_000));
    addShops(database, shops, now);
    const deps: OrdersDeps = { database, clock: fixedClock(now), payments: new DemoProvider('https://bons.example.org'), baseUrl: 'https://bons.example.org', logger: createLogger('silent'), operator: loadOperator({}, false) };
    await issueVouchers(deps, Math.ceil(redemptions / PER_VOUCHER), log);
    log(`settle-till: ${addRedemptions(database, now)} redemptions across ${shops} shops`);
    database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    await database.close();
  }
}

async function measure(file: string, dir: string, o: Required<Pick<SettleTillOptions, 'baselineSeconds' | 'connections'>>, sliceMerchants: string, log: (l: string) => void) {
  const app = await startTestApp({ databaseFile: file });
  try {
    const key = shopKey(app, MERCHANT, 'bench till').key;
    const codes = (app.database.sqlite.prepare(`SELECT code FROM vouchers WHERE status = 'active' AND balance_cents > 1000 AND campaign_id = (SELECT id FROM campaigns WHERE slug = 'seine-estuaire') LIMIT 200`).pluck().all()) as string[];
    const warm = probe(app.url, key, codes, o.connections);
    await new Promise((r) => setTimeout(r, 1000));
    await warm.stop();
    const base = probe(app.url, key, codes, o.connections);
    await new Promise((r) => setTimeout(r, o.baselineSeconds * 1000));
    await base.stop();
    log(`settle-till: baseline ${base.samples.length} redemptions, p99 ${round(pct(base.samples, 99))} ms; settling (slices of ${sliceMerchants || 'default'})…`);
    const during = probe(app.url, key, codes, o.connections);
    const settled = await settleChild(file, dir, sliceMerchants);
    await during.stop();
    if (settled.status !== 0) throw new Error(`cli settle failed: ${settled.stderr.slice(-500)}`);
    log(`settle-till: during settle (${round(settled.ms / 1000, 1)} s) ${during.samples.length} redemptions, p99 ${round(pct(during.samples, 99))} ms, ${during.errors} errors`);
    return { base, during, settled };
  } finally {
    await app.close();
  }
}

export async function runSettleTillBench(opts: SettleTillOptions = {}): Promise<BenchResult> {
  const redemptions = opts.redemptions ?? 1_000_000;
  const shops = opts.shops ?? 1000;
  const log = opts.log ?? (() => {});
  const o = { baselineSeconds: opts.baselineSeconds ?? 10, connections: opts.connections ?? 4 };
  ensureNonDevelopmentEnv();
  const dir = mkdtempSync(join(tmpdir(), 'bench-settle-till-'));
  try {
    const source = opts.data ?? join(dir, 'source.db');
    if (!opts.data) await buildSettleData(source, redemptions, shops, log);
    const sliced = join(dir, 'sliced.db');
    copyFileSync(source, sliced);
    const a = await measure(sliced, dir, o, '', log);
    const row = (label: string, xs: number[], errors: number, extra: Record<string, string | number> = {}) => ({
      run: label, redemptions: xs.length, errors, 'p50 ms': round(pct(xs, 50)), 'p99 ms': round(pct(xs, 99)), 'max ms': round(Math.max(...xs)), ...extra,
    });
    const statements = a.settled.json?.batch?.statements?.length ?? 0;
    const ratio = pct(a.during.samples, 99) / pct(a.base.samples, 99);
    return {
      name: 'settle-till',
      rows: [
        row('till, no settlement', a.base.samples, a.base.errors),
        row('till during cli settle (slices)', a.during.samples, a.during.errors, { 'settle s': round(a.settled.ms / 1000, 1) }),
      ],
      data: { redemptions, shops, statements, ratio: round(ratio, 2), settleMs: round(a.settled.ms) },
      targets: [
        target('till p99 during settle / without', round(ratio, 2), '<=', TARGET_P99_RATIO),
        target('till errors during settle', a.during.errors, '==', 0),
        target('statements written', statements, '>=', 1),
      ],
      notes: [
        `The till: POST /api/v1/redemptions (1 cent) by ${o.connections} closed-loop connections in this process; cli settle in a child process on the same SQLite file (WAL).`,
        'Slices: at most 50 shops and about 2 000 redemptions each (server/domain/settlements/settlement-slices.ts).',
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === THIS_FILE) {
  const quick = process.argv.includes('--quick');
  const data = process.argv.find((a) => a.startsWith('--data='))?.slice('--data='.length);
  const { printBench } = await import('./support');
  const r = await runSettleTillBench({ ...(quick ? { redemptions: 100_000, shops: 100, baselineSeconds: 5 } : {}), data, log: (l) => console.error(l) });
  printBench(r);
  process.exitCode = r.targets.every((t) => t.pass) ? 0 : 1;
}
