/**
 * Redemptions on PostgreSQL (issue 14): `POST /api/v1/redemptions` served by the real POS
 * handler on the PostgreSQL till (tests/support/pg-till-server.ts: its own pool, the shop named
 * by a test header instead of an API key) with ONE and TWO till processes on one database,
 * against a bare Express 5 JSON endpoint in the same run. A throwaway cluster
 * (tests/support/postgres.ts: fsync and synchronous_commit off — a test cluster, not a
 * production setting; say so next to any figure). Every request takes 1 cent from one of a
 * pool of vouchers with a fresh idempotency key, so none may fail; the books are checked
 * afterwards (check-ledger on PostgreSQL).
 *   node --import tsx bench/redemption-pg.bench.ts   (or npm run bench -- --only=redemption-pg)
 */
import autocannon from 'autocannon';
import express from 'express';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
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
  log?: (line: string) => void;
}

interface RequestSpec {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}
type LoadOptions = autocannon.Options & { requests: RequestSpec[]; idReplacement: boolean };

async function load(url: string, requests: RequestSpec[], seconds: number, connections: number): Promise<LoadFigures> {
  assertLoopback(url);
  const opts: LoadOptions = { url, connections, duration: seconds, workers: 1, timeout: 10, requests, idReplacement: true };
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
  if (!postgresAvailable()) throw new Error('redemption-pg needs the postgresql package');
  const cluster = await startPostgres();
  const tills: ChildProcess[] = [];
  const bare = express();
  bare.use(express.json());
  bare.post(PATH, (req, res) => void res.status(201).json({ ok: true, key: req.body.idempotencyKey }));
  const bareServer = createServer(bare);
  try {
    log('building vouchers on SQLite and copying them to PostgreSQL…');
    const f = await tillFixture('postgres', { clock: fixedClock(new Date()), values: Array.from({ length: o.vouchers ?? 40 }, () => 150_00), cluster });
    const requests = (shopIndex: number): RequestSpec[] =>
      f.vouchers.map((v) => ({
        method: 'POST', path: PATH,
        headers: { 'content-type': 'application/json', 'x-test-shop': f.shops[shopIndex % f.shops.length]! },
        body: `{"code":"${v.formatted}","amountCents":1,"idempotencyKey":"bench-[<id>]"}`,
      }));
    const bareUrl = await listenLoopback(bareServer);
    const one = await startTill(f.url!, 20);
    tills.push(one.child);
    const two = await startTill(f.url!, 20);
    tills.push(two.child);
    const loadBefore = loadavg()[0]!;
    log('bare Express…');
    await load(bareUrl, requests(0), 1, connections);
    const bareFigures = await load(bareUrl, requests(0), seconds, connections);
    log('one till process…');
    await load(one.url, requests(0), 1, connections);
    const oneFigures = await load(one.url, requests(0), seconds, connections);
    log('two till processes…');
    const [a, b] = await Promise.all([load(one.url, requests(0), seconds, connections / 2), load(two.url, requests(1), seconds, connections / 2)]);
    const twoFigures = merged(a, b);
    const loadAfter = loadavg()[0]!;
    const books = await f.books();
    await f.close();
    const ratio = (x: LoadFigures) => round(x.rps / bareFigures.rps, 3);
    return {
      name: 'redemption-pg',
      rows: [loadRow('bare Express', bareFigures), loadRow('PostgreSQL, 1 process', oneFigures), loadRow('PostgreSQL, 2 processes', twoFigures)],
      data: { bare: bareFigures, one: oneFigures, two: twoFigures, ratioOne: ratio(oneFigures), ratioTwo: ratio(twoFigures), loadavg: { before: loadBefore, after: loadAfter }, connections, seconds, books },
      targets: [
        target('redemptions/s, 2 processes', twoFigures.rps, '>=', 1000, '/s'),
        target('p99, 2 processes', twoFigures.p99, '<=', 50, 'ms'),
        target('failed requests', failures(oneFigures) + failures(twoFigures), '==', 0),
        target('books breaches', books.length, '==', 0),
      ],
      notes: [
        `ratio to bare: 1 process ${ratio(oneFigures)}, 2 processes ${ratio(twoFigures)}; ${connections} connections, ${seconds} s each`,
        `load average (1 min) ${round(loadBefore, 2)} before, ${round(loadAfter, 2)} after: on a shared machine the figures are inflated`,
        'throwaway cluster with fsync and synchronous_commit off (tests/support/postgres.ts): commits cost less than on a durable server',
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
  const r = await runPgRedemptionBench({ log: (l) => process.stderr.write(`${l}\n`), duration: Number(process.env.BENCH_SECONDS ?? 10) });
  printBench(r);
  process.exit(0);
}
