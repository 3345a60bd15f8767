/**
 * The PostgreSQL column of the scale benchmark: at one size, the SQLite database of the run
 * copied into a fresh database of a throwaway cluster by copy-database (with its books proof),
 * then what runs on PostgreSQL today, timed as an operator or a till would meet it:
 * check-ledger in full and --since-last-clean (the CLI's code: runLedgerCheckPostgres), the
 * liability and reconciliation reports (the CLI's report command), and 100 sequential 1 €
 * redemptions through the real POS handler on the PostgreSQL till, over HTTP
 * (tests/support/pg-till-server.ts, its own process and pool). The database is dropped after.
 */
import type Database from 'better-sqlite3';
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { copySqliteToPostgres } from '../db/copy/copy-database';
import { connectPostgres, migratePostgres } from '../db/postgres';
import { reportCommandPostgres } from '../server/cli/report-commands';
import { runLedgerCheckPostgres } from '../server/domain/ledger/ledger-check-runs';
import type { Clock } from '../server/lib/clock';
import { booksProof } from '../server/reports/books-proof';
import type { PgCluster } from '../tests/support/postgres';
import { startTill } from './redemption-pg.bench';

export interface PostgresFigures {
  rows: number;
  copyMs: number;
  analyzeMs: number;
  checkFullMs: number;
  checkIncrementalMs: number;
  incrementalMode: string;
  breaches: number;
  liabilityMs: number;
  reconciliationMs: number;
  reconciliationOk: boolean;
  redemptionP50: number;
  redemptionP99: number;
}

export const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

async function timedMs<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export async function postgresFigures(o: {
  cluster: PgCluster;
  name: string;
  sqlite: Database.Database;
  clock: Clock;
  /** Vouchers with a balance (their balance on SQLite, which the copy starts from). */
  open: { code: string; balance: number }[];
  shop: string;
  calls: number;
  log: (l: string) => void;
}): Promise<PostgresFigures> {
  const url = await o.cluster.createDatabase(o.name);
  const client = await connectPostgres(url);
  try {
    await migratePostgres(client);
    o.log(`scale/pg ${o.name}: copying the SQLite database (with the books proof)…`);
    const copy = await timedMs(() => copySqliteToPostgres(o.sqlite, client, { proof: booksProof(o.clock.now()) }));
    if (!copy.value.ok) throw new Error(`copy-database refused: ${JSON.stringify(copy.value).slice(0, 500)}`);
    const rows = copy.value.tables.reduce((n, t) => n + t.rows, 0);
    // What autovacuum would have done on a server in service: plans on real statistics.
    const analyze = await timedMs(() => client.query('ANALYZE'));
    const deps = { client, clock: o.clock };
    const full = await timedMs(() => runLedgerCheckPostgres(deps, { sinceLastClean: false }));
    o.log(`scale/pg ${o.name}: copied ${rows} rows in ${Math.round(copy.ms)} ms; check-ledger full ${Math.round(full.ms)} ms; till…`);
    const till = await tillCalls(url, o.open, o.shop, o.calls);
    const incremental = await timedMs(() => runLedgerCheckPostgres(deps, { sinceLastClean: true }));
    const liability = await timedMs(() => reportCommandPostgres(client, 'liability'));
    const reconciliation = await timedMs(() => reportCommandPostgres(client, 'reconciliation'));
    return {
      rows,
      copyMs: copy.ms,
      analyzeMs: analyze.ms,
      checkFullMs: full.ms,
      checkIncrementalMs: incremental.ms,
      incrementalMode: incremental.value.mode,
      breaches: full.value.breaches.length + incremental.value.breaches.length,
      liabilityMs: liability.ms,
      reconciliationMs: reconciliation.ms,
      reconciliationOk: reconciliation.value.code === 0,
      redemptionP50: percentile(till, 50),
      redemptionP99: percentile(till, 99),
    };
  } finally {
    await client.end();
    await dropDatabase(o.cluster.url, o.name);
  }
}

/** Connection failures (not HTTP errors) seen by the till calls, sent again once. */
export const tillRetries: string[] = [];

/**
 * A request sent again once when the connection fails before an answer (a kept-alive socket
 * closed by the server as the request left, on a loaded machine): what a till does, and safe
 * for a redemption, whose idempotency key answers the retry with the first one's result.
 */
export async function fetchRetried(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    tillRetries.push(`${init.method ?? 'GET'} ${new URL(url).pathname}: ${String((error as { cause?: unknown }).cause ?? error.message)}`);
    return fetch(url, init);
  }
}

/** Sequential 1 € redemptions through the PostgreSQL till process; each call's latency. */
async function tillCalls(url: string, open: { code: string; balance: number }[], shop: string, calls: number): Promise<number[]> {
  const till = await startTill(url, 4);
  try {
    const balances = new Map(open.filter((v) => v.balance >= 1_00).map((v) => [v.code, v.balance]));
    const codes = [...balances.keys()];
    const out: number[] = [];
    for (let i = 0; i < calls; i++) {
      const code = codes[(i * 7919) % codes.length]!;
      if (balances.get(code)! < 1_00) continue;
      const t0 = performance.now();
      const res = await fetchRetried(`${till.url}/api/v1/redemptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-test-shop': shop },
        body: JSON.stringify({ code, amountCents: 1_00, idempotencyKey: `scale-pg-${i}` }),
      });
      const body = await res.text();
      out.push(performance.now() - t0);
      if (res.status !== 201) throw new Error(`PostgreSQL till: HTTP ${res.status} ${body}`);
      balances.set(code, balances.get(code)! - 1_00);
    }
    return out;
  } finally {
    await new Promise((resolve) => (till.child.exitCode !== null ? resolve(null) : (till.child.once('exit', resolve), till.child.kill('SIGTERM'))));
  }
}

async function dropDatabase(maintenanceUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: maintenanceUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
