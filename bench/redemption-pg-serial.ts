/**
 * The PostgreSQL till's cost per redemption, one redemption at a time, in process (no HTTP,
 * no load generator): Node CPU of this process and CPU of the database's backends (from
 * /proc, bench/pg-observe.ts) per redemption, and the wall time of one. Nothing else of
 * this run competes for the cores, so the CPU figures hold up on a busy machine better than
 * requests/s (contention still inflates them a little); books checked afterwards.
 *   npx tsx bench/redemption-pg-serial.ts            (BENCH_REDEMPTIONS=1500 by default)
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { fixedClock } from '../server/lib/clock';
import { postgresAvailable, startPostgres } from '../tests/support/postgres';
import { tillFixture } from '../tests/support/till-backends';
import { cpuSeconds } from './pg-observe';

const count = Number(process.env.BENCH_REDEMPTIONS ?? 1500);
const warmup = 200;
if (!postgresAvailable()) throw new Error('needs the postgresql package');
const cluster = await startPostgres({});
try {
  const f = await tillFixture('postgres', { clock: fixedClock(new Date()), values: Array.from({ length: 50 }, () => 150_00), cluster });
  const backends = new pg.Client({ connectionString: f.url });
  await backends.connect();
  const serverPids = async () =>
    (await backends.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`)).rows.map((r) => r.pid);
  let n = 0;
  const one = () => {
    const v = f.vouchers[n % f.vouchers.length]!;
    return f.till.redeem({ merchantId: f.shops[n % f.shops.length]!, actor: 'bench', code: v.formatted, amountCents: 1, idempotencyKey: `serial-${n++}` });
  };
  for (let i = 0; i < warmup; i++) await one();
  const pids = await serverPids();
  const serverBefore = pids.map(cpuSeconds);
  const load = loadavg()[0]!;
  const nodeBefore = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await one();
  const wall = performance.now() - t0;
  const node = process.cpuUsage(nodeBefore);
  const serverCpu = pids.reduce((s, pid, i) => s + cpuSeconds(pid) - serverBefore[i]!, 0);
  const late = (await serverPids()).filter((p) => !pids.includes(p));
  const books = await f.books();
  await backends.end();
  await f.close();
  const per = (ms: number) => (ms / count).toFixed(3);
  process.stdout.write(
    `${count} redemptions one at a time (after ${warmup}): wall ${per(wall)} ms, Node CPU ${per((node.user + node.system) / 1000)} ms, ` +
      `PostgreSQL CPU ${per(serverCpu * 1000)} ms per redemption; load average ${load.toFixed(2)}; ` +
      `${late.length ? `${late.length} backend(s) opened during the run (not counted); ` : ''}books breaches ${books.length}\n`,
  );
  if (books.length) process.exitCode = 1;
} finally {
  cluster.stop();
}
