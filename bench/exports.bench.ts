/**
 * Large downloads against the till: the FEC (web and `cli export-fec`) and the shop's
 * operations CSV over 1 000 000 redemptions (100 000 with --quick), and the till's p99
 * while each download runs, against the till alone measured in the same run.
 *
 * Data: bench/settlement-data.ts (vouchers issued through the order services, ten
 * redemptions each written as the till writes them, by set-based SQL), or an existing
 * file given by EXPORTS_BENCH_DB (a copy of it is used, never the file itself).
 * The app runs in this process (startTestApp on that file); the till load comes from
 * autocannon in a worker thread, the downloads from a separate Node process reading as
 * fast as it can (as a browser would), so this event loop is the server's alone.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { migrateDatabase, openDatabase, type Database_ } from '../db/client';
import { DEMO_PASSWORD } from '../db/seed/demo-data';
import { seedDemo } from '../db/seed/demo';
import { recordBankTransfer } from '../server/domain/orders/bank-transfers-service';
import { createOrder, type OrdersDeps } from '../server/domain/orders/orders-service';
import { fixedClock } from '../server/lib/clock';
import { createLogger } from '../server/lib/logger';
import { loadOperator } from '../server/operator';
import { DemoProvider } from '../server/payments/demo-provider';
import { buyVouchers, shopKey, TOWN_HALL_BUYER } from '../tests/support/builders';
import { DEMO_VIEWER_EMAIL, operatorClient } from '../tests/support/operator';
import { FormClient, startTestApp } from '../tests/support/test-app';
import { assertLoopback, ensureNonDevelopmentEnv, figures, type LoadFigures } from './http-load';
import { addRedemptions, addShops, PER_VOUCHER } from './settlement-data';
import { MemorySampler, printBench, round, target, type BenchResult } from './support';

const THIS_FILE = fileURLToPath(import.meta.url);
export const TARGET_FEC_SECONDS = 60;
export const TARGET_P99_RATIO = 2;
const SHOP = 'bench-shop-0000';
const TILL = 'librairie-la-galerne';

export interface ExportsBenchOptions {
  redemptions?: number;
  shops?: number;
  /** Seconds of till load per phase (default 10). */
  duration?: number;
  log?: (line: string) => void;
}

/** The bench dataset: `redemptions` over `shops` shops in the last 7 days, in `file`. */
async function buildData(file: string, redemptions: number, shops: number, log: (l: string) => void): Promise<void> {
  const database = openDatabase(`file:${file}`);
  try {
    migrateDatabase(database);
    const now = new Date();
    await seedDemo(database, new Date(now.getTime() - 8 * 86400_000));
    addShops(database, shops, now);
    const deps: OrdersDeps = { database, clock: fixedClock(now), payments: new DemoProvider('https://bons.example.org'), baseUrl: 'https://bons.example.org', logger: createLogger('silent'), operator: loadOperator({}, false) };
    const buyer = { ...TOWN_HALL_BUYER, address: { ...TOWN_HALL_BUYER.address, lines: [...TOWN_HALL_BUYER.address.lines] } };
    const vouchers = Math.ceil(redemptions / PER_VOUCHER);
    for (let done = 0, n = 0; done < vouchers; n++) {
      // 5 000 × 100 € is the campaign's largest order.
      const size = Math.min(5_000, vouchers - done);
      const created = await createOrder(deps, { campaignSlug: 'seine-estuaire', buyer, items: [{ amountCents: 100_00, quantity: size }], paymentMethod: 'bank_transfer', locale: 'fr', byOperator: true });
      await recordBankTransfer(deps, { orderId: created.order.id, amountCents: created.order.totalCents, reference: `EXPORTS-${n}`, actor: 'bench' });
      done += size;
    }
    log(`exports: ${addRedemptions(database, now)} redemptions written`);
    database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    await database.close();
  }
}

/** The first bench shop's owner, with the demo password, to download its operations. */
function ensureShopOwner(database: Database_): void {
  database.sqlite.prepare(`INSERT OR IGNORE INTO merchant_users (id, merchant_id, email, name, role, password_hash, created_at)
    SELECT 'bench-owner', ?, 'owner@bench-shop.example', 'Owner', 'owner', password_hash, created_at FROM merchant_users WHERE password_hash IS NOT NULL LIMIT 1`).run(SHOP);
}

interface Download {
  downloads: number;
  bytes: number;
  firstByteMs: number;
  seconds: number;
  status: number;
}

/** A separate process downloading `url` `times` times (0: until killed), as fast as it reads. */
function downloader(url: string, cookie: string, times: number): { done: Promise<Download>; stop: () => void } {
  const code = `
    const [url, cookie, times] = [process.argv[1], process.argv[2], Number(process.argv[3])];
    const out = { downloads: 0, bytes: 0, firstByteMs: 0, seconds: 0, status: 0 };
    let stop = false; process.on('SIGTERM', () => { stop = true; });
    const t0 = performance.now();
    while (!stop && (times === 0 || out.downloads < times)) {
      const s = performance.now();
      const r = await fetch(url, { headers: { cookie } });
      out.status = r.status;
      for await (const c of r.body) { if (!out.firstByteMs) out.firstByteMs = performance.now() - s; out.bytes += c.length; if (stop) break; }
      if (!stop) out.downloads++;
    }
    out.seconds = (performance.now() - t0) / 1000;
    console.log(JSON.stringify(out));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, url, cookie, String(times)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  const done = new Promise<Download>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(text) as Download);
      } catch {
        reject(new Error(`downloader said: ${text}`));
      }
    });
  });
  return { done, stop: () => child.kill('SIGTERM') };
}

/** Till load: one-cent redemptions at a steady rate from a worker thread (a region's tills, not a flood). */
async function tillLoad(url: string, key: string, codes: string[], seconds: number): Promise<LoadFigures> {
  assertLoopback(url);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'accept-language': 'fr' };
  const requests = codes.map((c) => ({ method: 'POST', path: '/api/v1/redemptions', headers, body: `{"code":"${c}","amountCents":1,"idempotencyKey":"exports-[<id>]"}` }));
  const opts = { url, connections: 10, overallRate: 200, duration: seconds, workers: 1, timeout: 10, requests, idReplacement: true };
  return figures(url, await autocannon(opts as autocannon.Options));
}

const cookieOf = (c: FormClient) => [...(c as unknown as { cookies: Map<string, string> }).cookies].map(([k, v]) => `${k}=${v}`).join('; ');

export async function runExportsBench(opts: ExportsBenchOptions = {}): Promise<BenchResult> {
  const wanted = opts.redemptions ?? 1_000_000;
  const duration = opts.duration ?? 10;
  const log = opts.log ?? (() => {});
  ensureNonDevelopmentEnv();
  const dir = mkdtempSync(join(tmpdir(), 'bench-exports-'));
  const file = join(dir, 'bench.db');
  try {
    const t0 = performance.now();
    if (process.env.EXPORTS_BENCH_DB) copyFileSync(process.env.EXPORTS_BENCH_DB, file);
    else await buildData(file, wanted, opts.shops ?? 200, log);
    log(`exports: dataset ready in ${round((performance.now() - t0) / 1000)} s`);
    const app = await startTestApp({ databaseFile: file });
    try {
      ensureShopOwner(app.database);
      const count = app.database.sqlite.prepare(`SELECT COUNT(*) FROM redemptions`).pluck().get() as number;
      const shopCount = app.database.sqlite.prepare(`SELECT COUNT(*) FROM redemptions WHERE merchant_id = ?`).pluck().get(SHOP) as number;
      const journalLines = app.database.sqlite.prepare(`SELECT COUNT(*) FROM journal_lines`).pluck().get() as number;
      const till = await buyVouchers({ database: app.database, clock: app.clock, baseUrl: app.url }, { amountCents: 150_00, quantity: 100 });
      const key = shopKey(app, TILL, 'bench till').key;
      const codes = till.map((v) => v.formatted);
      const viewer = await operatorClient(app.url, DEMO_VIEWER_EMAIL);
      const shop = new FormClient(app.url);
      const page = await shop.get('/connexion');
      await shop.post('/connexion', { email: 'owner@bench-shop.example', password: DEMO_PASSWORD, next: '/commercant' }, page.html);
      const fecUrl = `${app.url}/operateur/rapports/fec.txt`;
      const opsUrl = `${app.url}/commercant/operations.csv`;

      // 1. Each download alone, start to end: time, first byte, server memory.
      const alone = async (name: string, url: string, cookie: string) => {
        const memory = new MemorySampler().start(20);
        const d = await downloader(url, cookie, 1).done;
        const mem = memory.stop();
        if (d.status !== 200 || d.downloads !== 1) throw new Error(`${name}: status ${d.status}`);
        log(`exports: ${name} alone: ${round(d.bytes / 1024 / 1024)} MB in ${round(d.seconds, 2)} s`);
        return { d, mem };
      };
      const fec = await alone('FEC (web)', fecUrl, cookieOf(viewer));
      const ops = await alone('operations CSV', opsUrl, cookieOf(shop));

      // 2. The CLI, in its own process as an operator runs it.
      const cliStart = performance.now();
      const cli = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'export-fec', '--out', join(dir, 'fec.txt'), '--json'], {
          env: { ...process.env, NODE_ENV: 'test', BASE_URL: 'http://localhost:3000', DATABASE_URL: `file:${file}`, DATA_DIR: dir },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('close', (code) => resolve({ code, out }));
      });
      const cliSeconds = (performance.now() - cliStart) / 1000;
      if (cli.code !== 0) throw new Error(`cli export-fec exited ${cli.code}: ${cli.out.slice(0, 300)}`);
      const cliBytes = statSync(join(dir, 'fec.txt')).size;
      log(`exports: cli export-fec ${round(cliBytes / 1024 / 1024)} MB in ${round(cliSeconds, 2)} s`);

      // 3. The till alone, then during each download (restarted until the load ends).
      await tillLoad(app.url, key, codes, 2);
      const base = await tillLoad(app.url, key, codes, duration);
      const during = async (name: string, url: string, cookie: string) => {
        const dl = downloader(url, cookie, 0);
        await new Promise((r) => setTimeout(r, 500)); // the download under way
        const load = await tillLoad(app.url, key, codes, duration);
        dl.stop();
        const d = await dl.done;
        log(`exports: till during ${name}: p99 ${load.p99} ms (alone ${base.p99} ms), ${round(d.bytes / 1024 / 1024)} MB downloaded meanwhile`);
        return { load, d };
      };
      const duringFec = await during('FEC', fecUrl, cookieOf(viewer));
      const duringOps = await during('operations CSV', opsUrl, cookieOf(shop));
      const ratio = (x: number) => round(x / Math.max(base.p99, 1), 2);

      const row = (name: string, r: { d: Download; mem: { rssDeltaMB: number; heapDeltaMB: number } }) => ({
        download: name, MB: round(r.d.bytes / 1024 / 1024), 's': round(r.d.seconds, 2), 'first byte ms': round(r.d.firstByteMs), 'Δrss MB': r.mem.rssDeltaMB, 'Δheap MB': r.mem.heapDeltaMB,
        'till p99 ms': '', 'till rps': '', 'p99 ratio': '',
      });
      const tillRow = (name: string, l: LoadFigures, d?: Download) => ({
        download: name, MB: d ? round(d.bytes / 1024 / 1024) : '', 's': '', 'first byte ms': '', 'Δrss MB': '', 'Δheap MB': '',
        'till p99 ms': l.p99, 'till rps': l.rps, 'p99 ratio': ratio(l.p99),
      });
      const errors = [base, duringFec.load, duringOps.load].reduce((n, l) => n + l.non2xx + l.errors + l.timeouts, 0);
      return {
        name: 'exports',
        rows: [
          row('FEC, web (alone)', fec),
          row(`operations CSV of one shop (${shopCount} rows, alone)`, ops),
          { ...row('FEC, cli export-fec (own process)', { d: { downloads: 1, bytes: cliBytes, firstByteMs: 0, seconds: cliSeconds, status: 200 }, mem: { rssDeltaMB: 0, heapDeltaMB: 0 } }), 'first byte ms': '', 'Δrss MB': '', 'Δheap MB': '' },
          tillRow('till alone', base),
          tillRow('till during FEC downloads', duringFec.load, duringFec.d),
          tillRow('till during operations CSV downloads', duringOps.load, duringOps.d),
        ],
        data: { redemptions: count, shopRows: shopCount, journalLines, fec, ops, cli: { seconds: round(cliSeconds, 2), bytes: cliBytes }, base, duringFec, duringOps },
        targets: [
          target(`FEC over ${count} redemptions, web`, round(fec.d.seconds, 2), '<=', (TARGET_FEC_SECONDS * count) / 1_000_000, 's'),
          target(`FEC over ${count} redemptions, cli export-fec`, round(cliSeconds, 2), '<=', (TARGET_FEC_SECONDS * count) / 1_000_000, 's'),
          target('till p99 during the FEC / alone', ratio(duringFec.load.p99), '<=', TARGET_P99_RATIO),
          target('till p99 during the operations CSV / alone', ratio(duringOps.load.p99), '<=', TARGET_P99_RATIO),
          target('FEC: server Δrss (flat memory)', fec.mem.rssDeltaMB, '<=', 128, 'MB'),
          target('till: non-2xx, errors, timeouts', errors, '==', 0),
        ],
        notes: [
          `Data: ${count} redemptions (${journalLines} journal lines) over 7 days; the operations CSV is one shop's (${shopCount} rows, the default 30-day period).`,
          `Till: ${codes.length} vouchers, one-cent redemptions at 200 req/s over 10 connections (autocannon, worker thread), ${duration} s per phase; "during": a separate process downloads the file again and again for the whole phase.`,
          'Downloads are read by a separate Node process as fast as it can; memory is this (server) process\'s, sampled every 20 ms; SQLite\'s page cache counts in rss.',
        ],
      };
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === THIS_FILE) {
  const quick = process.argv.includes('--quick');
  const r = await runExportsBench({ ...(quick ? { redemptions: 100_000, shops: 20, duration: 4 } : {}), log: (l) => console.error(l) });
  printBench(r);
  process.exitCode = r.targets.every((t) => t.pass) ? 0 : 1;
}
