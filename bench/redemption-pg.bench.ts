/**
 * Redemptions on PostgreSQL (issue 14): `POST /api/v1/redemptions` served by the real POS
 * handler on the PostgreSQL till (tests/support/pg-till-server.ts: its own pool, the shop named
 * by a test header instead of an API key) with ONE and TWO till processes on one database,
 * against a bare Express 5 JSON endpoint in the same run. A throwaway cluster
 * (tests/support/postgres.ts): fsync and synchronous_commit off by default — a test cluster,
 * not a production setting, said next to the figures — or PostgreSQL's durable defaults with
 * BENCH_PG_DURABLE=1. Every request takes 1 cent from one of a pool of vouchers with a fresh
 * idempotency key, so none may fail; the books are checked afterwards (check-ledger on
 * PostgreSQL). During each measured run the server's backends are sampled (pg_stat_activity:
 * running, waiting for the till, waiting on a row lock…) and every process's CPU time is
 * read, so the figures say where the time goes even on a busy machine (bench/pg-observe.ts).
 *   npx tsx bench/redemption-pg.bench.ts   (or npm run bench -- --only=redemption-pg)
 *   BENCH_SECONDS=10 BENCH_PG_POOL=8 BENCH_PG_DURABLE=1 npx tsx bench/redemption-pg.bench.ts
 */
import autocannon from 'autocannon';
import express from 'express';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { cpuSeconds, observePostgres, type Observation } from './pg-observe';
import { fileURLToPath } from 'node:url';
import { fixedClock } from '../server/lib/clock';
import { postgresAvailable, startPostgres } from '../tests/support/postgres';
import { tillFixture } from '../tests/support/till-backends';
import { assertLoopback, failures, figures, listenLoopback, loadRow, type LoadFigures } from './http-load';
import { printBench, round, target, type BenchResult } from './support';

const PATH = '/api/v1/redemptions';

export interface PgRedemptionBenchOptions {
  duration?: number;
  connections?: number;
  vouchers?: number;
  /** Connections per till process (default 8: Node, PostgreSQL and the load share 2 cores). */
  pool?: number;
  /** PostgreSQL's durable defaults instead of fsync / synchronous_commit off. */
  durable?: boolean;
  log?: (line: string) => void;
}

/** One measured run: the load's figures, the server's states, and CPU ms per redemption by process. */
interface Measured {
  load: LoadFigures;
  seen: Observation;
  cpuMs: { till: number; postgres: number; load: number };
}

async function measured(pgUrl: string, tills: ChildProcess[], run: () => Promise<LoadFigures>): Promise<Measured> {
  const watch = await observePostgres(pgUrl);
  const tillBefore = tills.map((t) => cpuSeconds(t.pid!));
  const ownBefore = process.cpuUsage();
  const load = await run();
  const own = process.cpuUsage(ownBefore);
  const tillCpu = tills.reduce((sum, t, i) => sum + cpuSeconds(t.pid!) - tillBefore[i]!, 0);
  const seen = await watch.stop();
  const per = (seconds: number) => round((seconds * 1000) / Math.max(load.ok, 1), 3);
  return { load, seen, cpuMs: { till: per(tillCpu), postgres: per(seen.serverCpu), load: per((own.user + own.system) / 1e6) } };
}

const stateNote = (label: string, m: Measured) =>
  `${label}: CPU per redemption — till ${m.cpuMs.till} ms, PostgreSQL ${m.cpuMs.postgres} ms, load generator ${m.cpuMs.load} ms; backends ${Object.entries(m.seen.states).slice(0, 5).map(([k, v]) => `${k} ${Math.round(v * 100)}%`).join(', ')}`;

interface RequestSpec {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}
type LoadOptions = autocannon.Options & { requests: RequestSpec[]; idReplacement: boolean; setupClient: string };
const SPREAD = fileURLToPath(new URL('./autocannon-spread.cjs', import.meta.url));

async function load(url: string, requests: RequestSpec[], seconds: number, connections: number): Promise<LoadFigures> {
  assertLoopback(url);
  const opts: LoadOptions = { url, connections, duration: seconds, workers: 1, timeout: 10, requests, idReplacement: true, setupClient: SPREAD };
  return figures(url, await autocannon(opts));
}

/** A till process on PostgreSQL (tests/support/pg-till-server.ts); resolves once it listens. */
export function startTill(pgUrl: string, pool: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/pg-till-server.ts'], {
    env: { ...process.env, PG_URL: pgUrl, PG_POOL: String(pool), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve({ url: `http://127.0.0.1:${m[1]}`, child });
    });
    child.once('exit', (code) => reject(new Error(`till exited ${code}`)));
  });
}

/** Two loads at once (one per process), merged: requests/s add up, latencies are the worse of the two. */
function merged(a: LoadFigures, b: LoadFigures): LoadFigures {
  return { ...a, url: `${a.url} + ${b.url}`, requests: a.requests + b.requests, ok: a.ok + b.ok, rps: a.rps + b.rps, p50: Math.max(a.p50, b.p50), p975: Math.max(a.p975, b.p975), p99: Math.max(a.p99, b.p99), max: Math.max(a.max, b.max), non2xx: a.non2xx + b.non2xx, errors: a.errors + b.errors, timeouts: a.timeouts + b.timeouts };
}

export async function runPgRedemptionBench(o: PgRedemptionBenchOptions = {}): Promise<BenchResult> {
  const log = o.log ?? (() => {});
  const seconds = o.duration ?? 10;
  const connections = o.connections ?? 50;
  const pool = o.pool ?? (Number(process.env.BENCH_PG_POOL) || 8);
  const durable = o.durable ?? process.env.BENCH_PG_DURABLE === '1';
  if (!postgresAvailable()) throw new Error('redemption-pg needs the postgresql package');
  const cluster = await startPostgres({ durable });
  const tills: ChildProcess[] = [];
  const bare = express();
  bare.use(express.json());
  bare.post(PATH, (req, res) => void res.status(201).json({ ok: true, key: req.body.idempotencyKey }));
  const bareServer = createServer(bare);
  try {
    log('building vouchers on SQLite and copying them to PostgreSQL…');
    const f = await tillFixture('postgres', { clock: fixedClock(new Date()), values: Array.from({ length: o.vouchers ?? 200 }, () => 150_00), cluster });
    const requests = (shopIndex: number): RequestSpec[] =>
      f.vouchers.map((v) => ({
        method: 'POST', path: PATH,
        headers: { 'content-type': 'application/json', 'x-test-shop': f.shops[shopIndex % f.shops.length]! },
        body: `{"code":"${v.formatted}","amountCents":1,"idempotencyKey":"bench-[<id>]"}`,
      }));
    const bareUrl = await listenLoopback(bareServer);
    const one = await startTill(f.url!, pool);
    tills.push(one.child);
    const two = await startTill(f.url!, pool);
    tills.push(two.child);
    const loadBefore = loadavg()[0]!;
    log('bare Express…');
    await load(bareUrl, requests(0), 1, connections);
    const bareFigures = await load(bareUrl, requests(0), seconds, connections);
    log('one till process…');
    await load(one.url, requests(0), 1, connections);
    const oneRun = await measured(f.url!, [one.child], () => load(one.url, requests(0), seconds, connections));
    const oneFigures = oneRun.load;
    log('two till processes…');
    await load(two.url, requests(1), 1, connections);
    const twoRun = await measured(f.url!, [one.child, two.child], async () => {
      const [a, b] = await Promise.all([load(one.url, requests(0), seconds, connections / 2), load(two.url, requests(1), seconds, connections / 2)]);
      return merged(a, b);
    });
    const twoFigures = twoRun.load;
    const loadAfter = loadavg()[0]!;
    const books = await f.books();
    await f.close();
    const ratio = (x: LoadFigures) => round(x.rps / bareFigures.rps, 3);
    return {
      name: 'redemption-pg',
      rows: [loadRow('bare Express', bareFigures), loadRow('PostgreSQL, 1 process', oneFigures), loadRow('PostgreSQL, 2 processes', twoFigures)],
      data: {
        bare: bareFigures, one: oneFigures, two: twoFigures, ratioOne: ratio(oneFigures), ratioTwo: ratio(twoFigures), loadavg: { before: loadBefore, after: loadAfter },
        connections, seconds, pool, durable, books, oneSeen: oneRun.seen, twoSeen: twoRun.seen, oneCpuMs: oneRun.cpuMs, twoCpuMs: twoRun.cpuMs,
      },
      targets: [
        target('redemptions/s, 2 processes', twoFigures.rps, '>=', 1000, '/s'),
        target('p99, 2 processes', twoFigures.p99, '<=', 50, 'ms'),
        target('failed requests', failures(oneFigures) + failures(twoFigures), '==', 0),
        target('books breaches', books.length, '==', 0),
      ],
      notes: [
        `ratio to bare: 1 process ${ratio(oneFigures)}, 2 processes ${ratio(twoFigures)}; ${connections} connections, ${seconds} s each, pool of ${pool} per till process`,
        `load average (1 min) ${round(loadBefore, 2)} before, ${round(loadAfter, 2)} after: on a shared machine the figures are inflated`,
        stateNote('1 process', oneRun),
        stateNote('2 processes', twoRun),
        durable
          ? 'cluster with PostgreSQL\'s durable defaults (fsync, synchronous_commit, full_page_writes on; BENCH_PG_DURABLE=1)'
          : 'throwaway cluster with fsync, synchronous_commit and full_page_writes off (tests/support/postgres.ts): commits cost less than on a durable server (BENCH_PG_DURABLE=1 for that figure)',
      ],
    };
  } finally {
    // The tills close their pools before the cluster goes away.
    await Promise.all(tills.map((t) => new Promise((resolve) => (t.exitCode !== null ? resolve(null) : (t.once('exit', resolve), t.kill('SIGTERM'))))));
    bareServer.close();
    cluster.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runPgRedemptionBench({
    log: (l) => process.stderr.write(`${l}\n`),
    duration: Number(process.env.BENCH_SECONDS ?? 10),
  });
  printBench(r);
  process.exit(0);
}
