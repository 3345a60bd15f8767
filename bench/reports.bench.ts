/**
 * The operator's reports at national scale: on 200 000 vouchers, 1 000 000 redemptions and
 * 1 000 shops (bench/reports-data.ts, reused from data/bench/ once built), through HTTP with
 * an operator session — the impact dashboard, the reports page (liability + money in vs
 * out), the liability CSV, the impact CSV per shop and the campaign page with its progress:
 *
 * 1. each page alone: median and worst of 5 requests, and the longest event-loop stall
 *    seen while they ran (monitorEventLoopDelay: the app runs in this process);
 * 2. the till under load (POST /api/v1/redemptions, 50 connections, autocannon in a worker
 *    thread) without reports, then with one operator requesting the report pages back to
 *    back (one more autocannon connection): the till's p99 in both runs, measured in the
 *    same run on the same data.
 * Targets: every page ≤ 1 s; longest stall ≤ 100 ms; till p99 during reports ≤ 2 × without;
 * check-ledger clean after the load (the aggregates included).
 */
import autocannon from 'autocannon';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { checkLedger } from '../server/domain/ledger/check-ledger';
import { DEMO_OPERATOR_PASSWORD } from '../server/domain/operators/demo-operators';
import { buyVouchers, shopKey } from '../tests/support/builders';
import { startTestApp } from '../tests/support/test-app';
import { assertLoopback, ensureNonDevelopmentEnv, failures, figures, loadRow, type LoadFigures } from './http-load';
import { reportsDataset, type ReportsShape } from './reports-data';
import { printBench, round, target, type BenchResult } from './support';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TARGET_PAGE_MS = 1000;
export const TARGET_STALL_MS = 100;
export const TARGET_P99_RATIO = 2;
const SEGMENTS = 3;

export const REPORT_PAGES = [
  { name: 'impact dashboard', path: '/operateur/impact' },
  { name: 'reports page (liability, money in vs out)', path: '/operateur/rapports' },
  { name: 'liability CSV', path: '/operateur/rapports/encours.csv' },
  { name: 'impact CSV per shop', path: '/operateur/impact/commerces.csv' },
  { name: 'campaign progress (operator campaign page)', path: '/operateur/campagnes/seine-estuaire' },
];

export interface ReportsBenchOptions { shape?: ReportsShape; duration?: number; warmup?: number; connections?: number; log?: (l: string) => void }

/** Signs the demo read-only operator in; returns the session cookie header. */
async function operatorCookie(base: string): Promise<string> {
  const jar = new Map<string, string>();
  const take = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const page = await fetch(`${base}/operateur/connexion`);
  take(page);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const res = await fetch(`${base}/operateur/connexion`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email: 'lecture@demo.bons-locaux.fr', password: DEMO_OPERATOR_PASSWORD }).toString(),
  });
  take(res);
  if (res.status !== 303) throw new Error(`operator sign-in answered ${res.status}`);
  return cookie();
}

type LoadOptions = autocannon.Options & { requests: { method: string; path: string; headers: Record<string, string>; body?: string }[]; idReplacement?: boolean };
async function load(opts: LoadOptions): Promise<LoadFigures> {
  assertLoopback(opts.url);
  return figures(opts.url, await autocannon({ workers: 1, timeout: 10, ...opts }));
}

export async function runReportsBench(opts: ReportsBenchOptions = {}): Promise<BenchResult> {
  const shape = opts.shape ?? { vouchers: 200_000, redemptions: 1_000_000, shops: 1000 };
  const duration = opts.duration ?? 15;
  const warmup = opts.warmup ?? 2;
  const connections = opts.connections ?? 50;
  const log = opts.log ?? (() => {});
  ensureNonDevelopmentEnv();
  mkdirSync(join(ROOT, 'data', 'bench'), { recursive: true });
  const kept = join(ROOT, 'data', 'bench', `reports-${shape.vouchers}v-${shape.redemptions}r-${shape.shops}s.db`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-reports-'));
  const work = join(dir, 'app.db');
  log(`reports: dataset ${kept} (built once, then copied)`);
  const buildMs = await reportsDataset(kept, work, shape, log);
  const t0 = performance.now();
  const app = await startTestApp({ databaseFile: work });
  const openMs = performance.now() - t0;
  try {
    const db = app.database.sqlite;
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    const sizes = { vouchers: count(`SELECT COUNT(*) FROM vouchers`), redemptions: count(`SELECT COUNT(*) FROM redemptions`), shops: count(`SELECT COUNT(*) FROM merchants`), movements: count(`SELECT COUNT(*) FROM movements`) };
    log(`reports: ${JSON.stringify(sizes)}; app opened (migrations) in ${round(openMs)} ms`);
    const cookie = await operatorCookie(app.url);
    const headers = { cookie, 'accept-language': 'fr' };

    // 1. Each page alone, with the event loop watched. The same watch over an idle pause
    // first: on a busy machine the process is not scheduled for tens of ms at a time, and
    // that baseline says how much of a stall is the machine's rather than the page's.
    const idle = monitorEventLoopDelay({ resolution: 5 });
    idle.enable();
    await new Promise((r) => setTimeout(r, 3000));
    idle.disable();
    const idleStallMs = round(idle.max / 1e6);
    const rows: Record<string, string | number>[] = [];
    const pageFigures: { name: string; medianMs: number; maxMs: number; cpuMs: number; bytes: number }[] = [];
    const loop = monitorEventLoopDelay({ resolution: 5 });
    for (const p of REPORT_PAGES) {
      const first = await fetch(app.url + p.path, { headers, redirect: 'manual' });
      if (first.status !== 200) throw new Error(`${p.path} answered ${first.status}`);
      await first.arrayBuffer();
      loop.enable();
      const times: number[] = [];
      let bytes = 0;
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        const res = await fetch(app.url + p.path, { headers });
        bytes = (await res.arrayBuffer()).byteLength;
        times.push(performance.now() - t);
      }
      const cpu = process.cpuUsage(cpu0);
      loop.disable();
      times.sort((a, b) => a - b);
      const cpuMs = round((cpu.user + cpu.system) / 1000 / 5);
      pageFigures.push({ name: p.name, medianMs: round(times[2]!), maxMs: round(times[4]!), cpuMs, bytes });
      rows.push({ target: `${p.name} — GET ${p.path}`, 'median ms': round(times[2]!), 'max ms': round(times[4]!), 'CPU ms': cpuMs, bytes });
    }
    const stallMs = round(loop.max / 1e6);

    // 2. The till with and without an operator reading reports, in alternating segments so
    // that the machine's own load drifts over both alike; the median p99 of each side.
    const vouchers = await buyVouchers({ database: app.database, clock: app.clock, baseUrl: app.url }, { amountCents: 150_00, quantity: 100 });
    const key = shopKey(app, 'librairie-la-galerne', 'bench till');
    const till = vouchers.map((v) => ({
      method: 'POST', path: '/api/v1/redemptions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
      body: `{"code":"${v.formatted}","amountCents":1,"idempotencyKey":"rb-[<id>]"}`,
    }));
    const tillLoad = (seconds: number) => load({ url: app.url, connections, duration: seconds, requests: till, idReplacement: true });
    const segment = Math.max(1, Math.round(duration / SEGMENTS));
    log(`reports: till warm-up ${warmup}s, then ${SEGMENTS} × (${segment}s alone, ${segment}s while an operator reads the report pages back to back), ${connections} connections`);
    await tillLoad(warmup);
    const aloneRuns: LoadFigures[] = [];
    const duringRuns: LoadFigures[] = [];
    const reportRuns: LoadFigures[] = [];
    for (let i = 0; i < SEGMENTS; i++) {
      aloneRuns.push(await tillLoad(segment));
      const operator = load({ url: app.url, connections: 1, duration: segment, requests: REPORT_PAGES.map((p) => ({ method: 'GET', path: p.path, headers })) });
      duringRuns.push(await tillLoad(segment));
      reportRuns.push(await operator);
    }
    const median = (runs: LoadFigures[]) => [...runs].sort((a, b) => a.p99 - b.p99)[Math.floor(runs.length / 2)]!;
    const alone = median(aloneRuns);
    const during = median(duringRuns);
    const reports = reportRuns.reduce((a, b) => ({ ...a, ok: a.ok + b.ok, requests: a.requests + b.requests, non2xx: a.non2xx + b.non2xx, errors: a.errors + b.errors, timeouts: a.timeouts + b.timeouts, p99: Math.max(a.p99, b.p99), max: Math.max(a.max, b.max) }));
    const ratio = alone.p99 > 0 ? during.p99 / alone.p99 : Number.POSITIVE_INFINITY;
    const t1 = performance.now();
    const breaches = checkLedger(app.database);
    const checkMs = performance.now() - t1;
    const tillRows = [
      ...aloneRuns.map((r, i) => loadRow(`till alone, segment ${i + 1}`, r)),
      ...duringRuns.map((r, i) => loadRow(`till during reports, segment ${i + 1}`, r)),
      loadRow('operator: report pages back to back (1 connection, all segments)', reports),
    ];
    return {
      name: 'reports',
      rows: [...rows, ...tillRows],
      data: { shape, sizes, buildMs, openMs: round(openMs), pages: pageFigures, idleStallMs, stallMs, aloneRuns, duringRuns, reportRuns, ratio: round(ratio, 2), checkMs: round(checkMs), breaches },
      targets: [
        ...pageFigures.map((p) => target(`${p.name}: worst of 5`, p.maxMs, '<=', TARGET_PAGE_MS, 'ms')),
        target('longest event-loop stall while pages were served', stallMs, '<=', TARGET_STALL_MS, 'ms'),
        target('till p99 during reports / till p99 alone', round(ratio, 2), '<=', TARGET_P99_RATIO),
        target('till: non-2xx + errors + timeouts', failures(alone) + failures(during), '==', 0),
        target('operator: non-2xx + errors + timeouts', failures(reports), '==', 0),
        target('ledger breaches after the run (report aggregates included)', breaches.length, '==', 0),
      ],
      notes: [
        `data: ${sizes.vouchers} vouchers, ${sizes.redemptions} redemptions, ${sizes.movements} movements, ${sizes.shops} shops${buildMs ? `; built in ${round(buildMs / 1000)} s` : ' (reused)'}; first open of the copy (migrations, incl. 0017's backfill when the file predates it) ${round(openMs)} ms.`,
        `longest event-loop stall: ${stallMs} ms while pages were served, ${idleStallMs} ms over an idle 3 s pause just before (the machine's share). CPU ms = this process's CPU per request (server and the bench's own HTTP client).`,
        `till p99 (median of ${SEGMENTS} segments): ${alone.p99} ms alone, ${during.p99} ms while the operator loaded ${reports.ok} report pages; ratio ${round(ratio, 2)}.`,
        `check-ledger after the load: ${breaches.length ? `${breaches.length} breach(es)` : 'clean'} in ${round(checkMs)} ms.`,
      ],
    };
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const r = await runReportsBench({ ...(quick ? { shape: { vouchers: 20_000, redemptions: 100_000, shops: 100 }, duration: 3, warmup: 1 } : {}), log: (l) => process.stderr.write(`  … ${l}\n`) });
  printBench(r);
}
