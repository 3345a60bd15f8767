/**
 * copy-database at scale: the settlement benchmark's data (1 000 000 redemptions by default,
 * with their movements, journals and lines) copied from a SQLite file into an empty database
 * on a throwaway PostgreSQL cluster (Debian's binaries, tests/support/postgres.ts), then proven
 * (every table read back, counts and digests compared) — what an operator moving over waits for.
 * Targets: copy and proof ≥ 10 000 rows/s; memory bounded (batches, a cursor for the read-back).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { migrateDatabase, openDatabase } from '../db/client';
import { copySqliteToPostgres } from '../db/copy/copy-database';
import { readSnapshotPostgres } from '../db/read-program';
import { checkLedger, ledgerChecks } from '../server/domain/ledger/check-ledger';
import { FULL } from '../server/domain/ledger/ledger-scope';
import { booksProof } from '../server/reports/books-proof';
import { connectPostgres, migratePostgres } from '../db/postgres';
import { seedDemo } from '../db/seed/demo';
import type { OrdersDeps } from '../server/domain/orders/orders-service';
import { fixedClock } from '../server/lib/clock';
import { createLogger } from '../server/lib/logger';
import { loadOperator } from '../server/operator';
import { DemoProvider } from '../server/payments/demo-provider';
import { postgresAvailable, startPostgres } from '../tests/support/postgres';
import { recordBankTransfer } from '../server/domain/orders/bank-transfers-service';
import { createOrder } from '../server/domain/orders/orders-service';
import { addRedemptions, addShops, PER_VOUCHER } from './settlement-data';
import { MemorySampler, printBench, round, target, type BenchResult } from './support';

const THIS_FILE = fileURLToPath(import.meta.url);
export const TARGET_ROWS_PER_SECOND = 10_000;

/**
 * Vouchers of 100 € in bank-transfer orders of 10 000, placed by the operator (above the limits
 * of an anonymous or organisation order), paid: the vouchers addRedemptions expects.
 */
async function issueBulk(deps: OrdersDeps, vouchers: number, log: (l: string) => void): Promise<void> {
  deps.database.sqlite.prepare(`UPDATE campaigns SET max_order_cents_org = 1000000000, max_vouchers_per_org_order = 10000`).run();
  const buyer = { type: 'municipality' as const, name: 'Service des affaires sociales', email: 'social@mairie-exemple.fr', organisation: 'Mairie de Montivilliers', siret: '21764470700010', address: { lines: ['Place François Mitterrand'], postalCode: '76290', city: 'Montivilliers' } };
  for (let done = 0, n = 0; done < vouchers; n++) {
    const size = Math.min(10_000, vouchers - done);
    const created = await createOrder(deps, { campaignSlug: 'seine-estuaire', buyer, items: [{ amountCents: 100_00, quantity: size }], paymentMethod: 'bank_transfer', locale: 'fr', byOperator: true });
    await recordBankTransfer(deps, { orderId: created.order.id, amountCents: created.order.totalCents, reference: `BENCH-${n}`, actor: 'bench' });
    done += size;
    log(`copy-database bench: ${done} / ${vouchers} vouchers issued`);
  }
}

export async function runCopyDatabaseBench(opts: { redemptions?: number; shops?: number; log?: (l: string) => void } = {}): Promise<BenchResult> {
  if (!postgresAvailable()) throw new Error('copy-database bench needs PostgreSQL (apt-get install postgresql)');
  const wanted = opts.redemptions ?? 1_000_000;
  const shops = opts.shops ?? 500;
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'bench-copy-'));
  const database = openDatabase(`file:${join(dir, 'bench.db')}`);
  const cluster = await startPostgres();
  try {
    migrateDatabase(database);
    const now = new Date();
    await seedDemo(database, new Date(now.getTime() - 8 * 86400_000));
    addShops(database, shops, now);
    const deps: OrdersDeps = { database, clock: fixedClock(now), payments: new DemoProvider('https://bons.example.org'), baseUrl: 'https://bons.example.org', logger: createLogger('silent'), operator: loadOperator({}, false) };
    await issueBulk(deps, Math.ceil(wanted / PER_VOUCHER), log);
    const redemptions = addRedemptions(database, now);
    database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const dbMB = statSync(join(dir, 'bench.db')).size / 1024 / 1024;
    log(`copy-database bench: ${redemptions} redemptions generated (${round(dbMB)} MB)`);

    const client = await connectPostgres(await cluster.createDatabase('bench'));
    try {
      await migratePostgres(client);
      const memory = new MemorySampler().start(5);
      let lastBatchAt = 0;
      let lastLogAt = 0;
      const t0 = performance.now();
      const outcome = await copySqliteToPostgres(database.sqlite, client, {
        proof: booksProof(now),
        onProgress: (p) => {
          lastBatchAt = performance.now();
          if (lastBatchAt - lastLogAt > 5_000) {
            lastLogAt = lastBatchAt;
            log(`copy-database bench: ${p.table} ${p.copied}/${p.total}`);
          }
        },
      });
      const totalMs = performance.now() - t0;
      const mem = memory.stop();
      if (!outcome.ok) throw new Error(`copy refused: ${JSON.stringify(outcome).slice(0, 500)}`);
      const rows = outcome.tables.reduce((n, t) => n + t.rows, 0);
      const copyMs = lastBatchAt - t0;
      const proofMs = totalMs - copyMs;
      // check-ledger on each backend over the same books, one after the other (same process run).
      const c0 = performance.now();
      const sqliteBreaches = checkLedger(database);
      const sqliteCheckMs = performance.now() - c0;
      const c1 = performance.now();
      const postgresBreaches = await readSnapshotPostgres(client, ledgerChecks(FULL, 'postgres'));
      const postgresCheckMs = performance.now() - c1;
      const big = outcome.tables.filter((t) => t.rows >= 10_000).map((t) => `${t.table} ${t.rows}`);
      return {
        name: 'copy-database',
        rows: [
          { step: 'copy (insert in batches)', rows, ms: round(copyMs), 'rows/s': Math.round(rows / (copyMs / 1000)), 'Δrss MB': '', 'Δheap MB': '' },
          { step: 'proof (read back, digests; check-ledger and reports on both sides), sequences, commit', rows, ms: round(proofMs), 'rows/s': Math.round(rows / (proofMs / 1000)), 'Δrss MB': '', 'Δheap MB': '' },
          { step: 'copy-database in all', rows, ms: round(totalMs), 'rows/s': Math.round(rows / (totalMs / 1000)), 'Δrss MB': mem.rssDeltaMB, 'Δheap MB': mem.heapDeltaMB },
          { step: 'check-ledger (full) on SQLite', rows, ms: round(sqliteCheckMs), 'rows/s': '', 'Δrss MB': '', 'Δheap MB': '' },
          { step: `check-ledger (full) on PostgreSQL (× ${round(postgresCheckMs / sqliteCheckMs)} SQLite)`, rows, ms: round(postgresCheckMs), 'rows/s': '', 'Δrss MB': '', 'Δheap MB': '' },
        ],
        data: { redemptions, rows, sqliteCheckMs: round(sqliteCheckMs), postgresCheckMs: round(postgresCheckMs), totalMs: round(totalMs), copyMs: round(copyMs), proofMs: round(proofMs), memory: mem, dbMB: round(dbMB), tables: outcome.tables, sequences: outcome.sequences },
        targets: [
          target(`copy and proof of ${rows} rows`, Math.round(rows / (totalMs / 1000)), '>=', TARGET_ROWS_PER_SECOND, 'rows/s'),
          target('copy-database: Δrss (memory bounded)', mem.rssDeltaMB, '<=', 256, 'MB'),
          target('check-ledger breaches on SQLite', sqliteBreaches.length, '==', 0),
          target('check-ledger breaches on PostgreSQL', postgresBreaches.length, '==', 0),
          target('check-ledger (full) on PostgreSQL', round(postgresCheckMs / 1000), '<=', 60, 's'),
        ],
        notes: [
          `Source: SQLite file of ${round(dbMB)} MB; large tables: ${big.join(', ')}.`,
          'Target: a throwaway local cluster (fsync off): the figures are the copy\'s own cost, not a remote server\'s disk or network.',
          `Memory sampled every 5 ms: peak rss ${mem.peakRssMB} MB (baseline ${mem.baselineRssMB} MB).`,
        ],
      };
    } finally {
      await client.end();
    }
  } finally {
    await database.close();
    cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === THIS_FILE) {
  const quick = process.argv.includes('--quick');
  const r = await runCopyDatabaseBench({ ...(quick ? { redemptions: 100_000, shops: 100 } : {}), log: (l) => console.error(l) });
  printBench(r);
  process.exitCode = r.targets.every((t) => t.pass) ? 0 : 1;
}
