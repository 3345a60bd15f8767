/**
 * National scale: the dataset of bench/scale-data.ts grown through the services to 10 k,
 * 200 k and 1 M redemptions (200 k vouchers and 1 000 shops at the top), and at each size
 * one request to every operator page, the public voucher page, the till (page, lookup,
 * redemption) and every download, timed through HTTP against the real app
 * (startTestApp: a real SQLite file, WAL), and the CLI's check-ledger (full, then
 * --since-last-clean after the till's calls) and reports. check-ledger must be clean at every size.
 *
 * The PostgreSQL column (scale-postgres.ts), where Debian's postgresql is installed: at each
 * size the same database copied to a throwaway cluster by copy-database (timed, with its books
 * proof), and what runs on PostgreSQL today timed there side by side: check-ledger, the
 * reports, the till's redemptions. One table per size; what does not run on PostgreSQL yet
 * (pages, exports, the till's lookup) is marked so.
 *
 * Pages: 1 warm-up + 3 timed requests, median. Downloads of all history: one request,
 * stopped at EXPORT_TIMEOUT_S (shown as "> N s"). Till: 100 sequential redemptions and
 * lookups, p50 / p99. Targets at the largest size: every operator page ≤ 1 s, the voucher
 * page and the till ≤ 50 ms, check-ledger clean.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { reportCommand } from '../server/cli/report-commands';
import { runLedgerCheck } from '../server/domain/ledger/ledger-check-runs';
import { createMerchantUser } from '../server/domain/merchants/merchant-users-service';
import { createApiKey } from '../server/domain/merchants/api-keys-service';
import { DEMO_OPERATOR_PASSWORD } from '../server/domain/operators/demo-operators';
import { loadOperator } from '../server/operator';
import { createLogger } from '../server/lib/logger';
import { DemoProvider } from '../server/payments/demo-provider';
import { postgresAvailable, startPostgres, type PgCluster } from '../tests/support/postgres';
import { FormClient, fixedClock, startTestApp } from '../tests/support/test-app';
import { fillTo, growTo, prepareShops, type ScaleWorld } from './scale-data';
import { fetchRetried, postgresFigures, tillRetries, type PostgresFigures } from './scale-postgres';
import { printBench, round, target, type BenchResult } from './support';

const THIS_FILE = fileURLToPath(import.meta.url);
const DAY = 86400_000;
export const EXPORT_TIMEOUT_S = 120;
const TILL_CALLS = 100;

interface Surface {
  name: string;
  kind: 'operator page' | 'operator export' | 'shop page' | 'shop export' | 'voucher page';
  path: (s: Sample) => string;
  who: 'admin' | 'shop' | 'public';
}
interface Sample { code: string; orderId: string; batchId: string; statementId: string }

const SURFACES: Surface[] = [
  ...([
    ['vouchers: search by code', (s: Sample) => `/operateur/bons?q=${s.code.slice(0, 6)}`],
    ['vouchers: search by email', () => '/operateur/bons?q=social%40mairie-exemple.fr'],
    ['voucher detail', (s: Sample) => `/operateur/bons/${s.code}`],
    ['orders', () => '/operateur/commandes'],
    ['order detail', (s: Sample) => `/operateur/commandes/${s.orderId}`],
    ['shops', () => '/operateur/commerces'],
    ['shop detail', () => '/operateur/commerces/bench-shop-0001'],
    ['campaigns', () => '/operateur/campagnes'],
    ['campaign detail', () => '/operateur/campagnes/seine-estuaire'],
    ['settlements', () => '/operateur/reglements'],
    ['settlement batch', (s: Sample) => `/operateur/reglements/${s.batchId}`],
    ['audit log', () => '/operateur/journal-audit'],
    ['redemption events', () => '/operateur/journal-audit/encaissements'],
    ['reports (liability, reconciliation)', () => '/operateur/rapports'],
    ['impact dashboard', () => '/operateur/impact'],
  ] as const).map(([name, path]) => ({ name, path, kind: 'operator page' as const, who: 'admin' as const })),
  ...([
    ['FEC (all entries)', () => '/operateur/rapports/fec.txt'],
    ['journal CSV (all entries)', () => '/operateur/rapports/journal.csv'],
    ['liability CSV', () => '/operateur/rapports/encours.csv'],
    ['impact CSV per shop', () => '/operateur/impact/commerces.csv'],
    ['impact CSV per week', () => '/operateur/impact/semaines.csv'],
    ['redemption events CSV', () => '/operateur/journal-audit/encaissements.csv'],
    ['audit CSV', () => '/operateur/journal-audit.csv'],
    ['SEPA file of a batch', (s: Sample) => `/operateur/reglements/${s.batchId}/sepa.xml`],
    ['statement PDF', (s: Sample) => `/operateur/releves/${s.statementId}/releve.pdf`],
  ] as const).map(([name, path]) => ({ name, path, kind: 'operator export' as const, who: 'admin' as const })),
  { name: 'till page', kind: 'shop page', who: 'shop', path: () => '/caisse' },
  { name: 'shop dashboard', kind: 'shop page', who: 'shop', path: () => '/commercant' },
  { name: 'shop statements', kind: 'shop page', who: 'shop', path: () => '/commercant/releves' },
  { name: "till's redemptions CSV", kind: 'shop export', who: 'shop', path: () => '/commercant/operations.csv' },
  { name: 'statement CSV', kind: 'shop export', who: 'shop', path: (s) => `/commercant/releves/${s.statementId}.csv` },
  { name: 'voucher page (public, with history)', kind: 'voucher page', who: 'public', path: (s) => `/v/${s.code}` },
];

async function timed(client: FormClient, path: string, timeoutS: number): Promise<number> {
  const t0 = performance.now();
  try {
    const res = await client.request(path, { signal: AbortSignal.timeout(timeoutS * 1000) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') return Number.POSITIVE_INFINITY;
    throw err;
  }
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const show = (ms: number) => (Number.isFinite(ms) ? round(ms) : `> ${EXPORT_TIMEOUT_S} s`);
const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000} M` : `${n / 1_000} k`);

/**
 * `sqlFillFrom`: sizes at or above it are reached by the fast fill (fillTo) instead of the
 * services' redeem() loop — for a shared machine; the notes and results say so.
 */
export async function runScaleBench(opts: { sizes?: number[]; log?: (l: string) => void; keepAs?: string; sqlFillFrom?: number; postgres?: boolean } = {}): Promise<BenchResult> {
  const sizes = opts.sizes ?? [10_000, 200_000, 1_000_000];
  const log = opts.log ?? (() => {});
  const max = sizes[sizes.length - 1]!;
  const end = Date.now() - 2 * DAY;
  const start = end - 330 * DAY;
  const clock = fixedClock(new Date(start));
  const app = await startTestApp({ clock });
  let cluster: PgCluster | null = null;
  try {
    // The PostgreSQL column: one throwaway cluster for the run, a fresh database per size.
    if (opts.postgres !== false && postgresAvailable()) cluster = await startPostgres();
    const database = app.database;
    const payments = new DemoProvider(app.url);
    const world: ScaleWorld = {
      database, clock, dataDir: app.dataDir, start, end, maxRedemptions: max, shops: [], open: [], redeemed: 0, voided: 0, orderCount: 0, round: 0,
      orders: { database, clock, payments, baseUrl: app.url, logger: createLogger('silent'), operator: loadOperator({}, false) },
      redemptions: { database, clock, voidWindowMinutes: app.config.voidWindowMinutes },
    };
    prepareShops(world);
    await createMerchantUser({ database, clock }, { merchantSlug: 'bench-shop-0001', email: 'scale@example.org', password: 'a long scale password', role: 'owner' });
    const tillKey = createApiKey({ database, clock }, { kind: 'merchant', merchantId: 'bench-shop-0001', label: 'scale till' }).key;
    const admin = new FormClient(app.url);
    const shop = new FormClient(app.url);
    const anyone = new FormClient(app.url);
    const clients = { admin, shop, public: anyone };

    const columns: Record<string, Record<string, string | number>> = {};
    const tables: { title: string; rows: Record<string, string | number>[] }[] = [];
    const postgresData: Record<string, PostgresFigures> = {};
    const figures: Record<string, Record<string, number>> = {};
    const targets = [];
    const filledSizes: string[] = [];
    for (const size of sizes) {
      const t0 = performance.now();
      const filled = opts.sqlFillFrom !== undefined && size >= opts.sqlFillFrom;
      if (filled) await fillTo(world, size, log);
      else await growTo(world, size, log);
      if (filled) filledSizes.push(label(size));
      const buildS = (performance.now() - t0) / 1000;
      clock.set(new Date(clock.now().getTime() + 3600_000));
      // Sessions expire with the clock: sign in again at each size.
      await signIn(admin, '/operateur/connexion', 'operateur@demo.bons-locaux.fr', DEMO_OPERATOR_PASSWORD);
      await signIn(shop, '/connexion', 'scale@example.org', 'a long scale password');
      const q = <T>(sql: string, ...a: unknown[]) => database.sqlite.prepare(sql).get(...a) as T;
      const sample: Sample = {
        // A voucher with history (its page lists its redemptions).
        ...q<{ code: string; orderId: string }>(`SELECT v.code, v.order_id AS orderId FROM vouchers v WHERE v.id = (SELECT voucher_id FROM redemptions WHERE rowid = (SELECT MIN(rowid) FROM redemptions))`),
        batchId: q<{ id: string }>(`SELECT id FROM settlement_batches ORDER BY created_at DESC LIMIT 1`).id,
        statementId: q<{ id: string }>(`SELECT id FROM statements WHERE merchant_id = 'bench-shop-0001' ORDER BY rowid DESC LIMIT 1`).id,
      };
      const col = `ms @ ${label(size)}`;
      const fig: Record<string, number> = (figures[label(size)] = { buildSeconds: round(buildS) });
      log(`scale: ${label(size)} built in ${round(buildS)} s; timing pages`);
      for (const s of SURFACES) {
        const client = clients[s.who];
        const path = s.path(sample);
        const isExport = s.kind.endsWith('export');
        let ms: number;
        if (isExport) ms = await timed(client, path, EXPORT_TIMEOUT_S);
        else {
          await timed(client, path, EXPORT_TIMEOUT_S);
          ms = median([await timed(client, path, 30), await timed(client, path, 30), await timed(client, path, 30)]);
        }
        (columns[s.name] ??= { surface: s.name, kind: s.kind })[col] = show(ms);
        fig[s.name] = ms;
        if (size === max && s.kind === 'operator page') targets.push(target(`${s.name} @ ${label(size)}`, round(ms), '<=', 1000, 'ms'));
        if (size === max && s.kind === 'voucher page') targets.push(target(`${s.name} @ ${label(size)}`, round(ms), '<=', 50, 'ms'));
      }
      // The CLI's operations on the books, on SQLite: check-ledger in full, then the till's
      // 100 calls, then --since-last-clean (what the till posted), then the two reports.
      const full = timedSync(() => runLedgerCheck({ database, clock }, { sinceLastClean: false }));
      const till = await tillFigures(app.url, tillKey, world);
      const incremental = timedSync(() => runLedgerCheck({ database, clock }, { sinceLastClean: true }));
      const liability = await timedAsync(() => reportCommand(database, {}, 'liability'));
      const reconciliation = await timedAsync(() => reportCommand(database, {}, 'reconciliation'));
      const sqliteOps: Record<string, number> = {
        ...till,
        'check-ledger (full)': full.ms,
        'check-ledger --since-last-clean': incremental.ms,
        'report liability': liability.ms,
        'report reconciliation': reconciliation.ms,
      };
      for (const [name, v] of Object.entries(sqliteOps)) {
        (columns[name] ??= { surface: name, kind: name.startsWith('till') ? 'till' : 'cli' })[col] = round(v);
        fig[name] = v;
      }
      if (size === max) targets.push(target(`till redemption p99 @ ${label(size)}`, round(till['till: redemption p99']!), '<=', 50, 'ms'));
      const breaches = full.value.breaches.length + incremental.value.breaches.length;
      fig.checkLedgerMs = full.ms;
      targets.push(target(`check-ledger breaches @ ${label(size)}`, breaches, '==', 0));
      targets.push(target(`reconciliation difference-free @ ${label(size)}`, reconciliation.value.code, '==', 0));
      log(`scale: ${label(size)} measured on SQLite (check-ledger ${round(full.ms)} ms, ${breaches} breaches)`);

      const pgFig = cluster
        ? await postgresFigures({ cluster, name: `scale_${size}`, sqlite: database.sqlite, clock, open: world.open, shop: 'bench-shop-0001', calls: TILL_CALLS, log })
        : null;
      if (pgFig) {
        postgresData[label(size)] = pgFig;
        targets.push(target(`check-ledger breaches on PostgreSQL @ ${label(size)}`, pgFig.breaches, '==', 0));
        targets.push(target(`check-ledger --since-last-clean on PostgreSQL ran incrementally @ ${label(size)}`, pgFig.incrementalMode === 'incremental' ? 1 : 0, '==', 1));
        targets.push(target(`reconciliation difference-free on PostgreSQL @ ${label(size)}`, pgFig.reconciliationOk ? 1 : 0, '==', 1));
      }
      tables.push({ title: `${label(size)} redemptions — SQLite and PostgreSQL side by side`, rows: sideBySide(fig, pgFig, cluster !== null) });
      // Each size's figures as soon as they exist: the 1 M step takes long on a shared machine.
      for (const row of Object.values(columns)) log(`scale @ ${label(size)}: ${row.surface} = ${row[col]} ms`);
    }
    if (opts.keepAs) {
      database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
      mkdirSync(dirname(opts.keepAs), { recursive: true });
      copyFileSync(join(app.dataDir, 'app.db'), opts.keepAs);
    }
    const counts = database.sqlite.prepare(`SELECT (SELECT COUNT(*) FROM vouchers) AS vouchers, (SELECT COUNT(*) FROM orders) AS orders, (SELECT COUNT(*) FROM redemptions) AS redemptions, (SELECT COUNT(*) FROM journals) AS journals, (SELECT COUNT(*) FROM merchants) AS shops`).get() as Record<string, number>;
    return {
      name: 'scale',
      rows: Object.values(columns),
      tables,
      data: { sizes, figures, postgres: postgresData, counts, voided: world.voided, filledSizes, tillRetries },
      targets,
      notes: [
        `${counts.orders} orders through the order service (bulk bank transfers${filledSizes.length < sizes.length ? " and residents' card orders" : ''}), ${counts.vouchers} vouchers, ${counts.redemptions} redemptions (${world.voided} voided by their shop), settled by runSettlement at each size; ${counts.shops} shops (inserted directly).`,
        ...(filledSizes.length ? [`Sizes ${filledSizes.join(', ')} reached by the fast fill (vouchers through the order service, redemptions by set-based SQL as the till writes them, then runSettlement), not by redeem() calls.`] : []),
        `Pages: median of 3 after a warm-up; downloads: one request, stopped after ${EXPORT_TIMEOUT_S} s; till: ${TILL_CALLS} sequential calls over HTTP with an API key.`,
        `Till calls sent again after a connection failure (timed with the failure): ${tillRetries.length ? tillRetries.join('; ') : 'none'}.`,
        cluster
          ? 'PostgreSQL column: at each size the SQLite database copied by copy-database (books proof included: check-ledger and both reports on both sides before COMMIT) into a fresh database of a throwaway local cluster (fsync and synchronous_commit off: not a durable server), ANALYZEd, then check-ledger, the reports (the CLI\'s code) and 100 redemptions over HTTP on the PostgreSQL till (tests/support/pg-till-server.ts: the real POS handler, its own process; the shop named by a test header, no API key lookup). Pages, exports and the till\'s lookup still read SQLite only: "not on PostgreSQL yet".'
          : 'PostgreSQL column skipped: no PostgreSQL binaries (apt-get install postgresql).',
        'Reports, downloads and check-ledger belong to the other parts of issue 14 (reports, exports, books): their figures here are the measurement, their fixes live on those branches.',
      ],
    };
  } finally {
    cluster?.stop();
    await app.close();
  }
}

function timedSync<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

const NOT_YET = 'not on PostgreSQL yet';

/**
 * One size's table: every surface and operation with its SQLite time and, where it runs on
 * PostgreSQL today, its PostgreSQL time (pages, exports and the till's lookup: NOT_YET).
 */
function sideBySide(fig: Record<string, number>, pgFig: PostgresFigures | null, withPostgres: boolean): Record<string, string | number>[] {
  const pgCell = (v: number | undefined) => (!withPostgres ? 'skipped' : v === undefined ? NOT_YET : round(v));
  const onPg: Record<string, number | undefined> = pgFig
    ? {
        'till: redemption p50': pgFig.redemptionP50,
        'till: redemption p99': pgFig.redemptionP99,
        'check-ledger (full)': pgFig.checkFullMs,
        'check-ledger --since-last-clean': pgFig.checkIncrementalMs,
        'report liability': pgFig.liabilityMs,
        'report reconciliation': pgFig.reconciliationMs,
      }
    : {};
  const rows: Record<string, string | number>[] = SURFACES.map((s) => ({ surface: s.name, kind: s.kind, 'SQLite ms': show(fig[s.name]!), 'PostgreSQL ms': pgCell(undefined) }));
  for (const name of ['till: lookup p50', 'till: lookup p99', 'till: redemption p50', 'till: redemption p99', 'check-ledger (full)', 'check-ledger --since-last-clean', 'report liability', 'report reconciliation']) {
    rows.push({ surface: name, kind: name.startsWith('till') ? 'till' : 'cli', 'SQLite ms': round(fig[name]!), 'PostgreSQL ms': pgCell(onPg[name]) });
  }
  if (pgFig) {
    rows.push({ surface: `copy-database SQLite → PostgreSQL (${pgFig.rows} rows, with proof)`, kind: 'migration', 'SQLite ms': '—', 'PostgreSQL ms': round(pgFig.copyMs) });
    rows.push({ surface: 'ANALYZE after the copy', kind: 'migration', 'SQLite ms': '—', 'PostgreSQL ms': round(pgFig.analyzeMs) });
  }
  return rows;
}

async function signIn(client: FormClient, path: string, email: string, password: string): Promise<void> {
  const page = await client.get(path);
  const res = await client.post(path, { email, password }, page.html);
  if (res.res.status !== 303) throw new Error(`sign-in at ${path} failed: HTTP ${res.res.status}`);
}

/** Sequential lookups and 1 € redemptions on open vouchers, as the till sends them. */
async function tillFigures(base: string, key: string, world: ScaleWorld): Promise<Record<string, number>> {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const lookups: number[] = [];
  const redemptions: number[] = [];
  const pool = world.open.filter((v) => v.balance >= 1_00);
  for (let i = 0; i < TILL_CALLS; i++) {
    const v = pool[(i * 7919) % pool.length]!;
    if (v.balance < 1_00) continue;
    let t0 = performance.now();
    const found = await fetchRetried(`${base}/api/v1/vouchers/${v.code}`, { headers });
    await found.arrayBuffer();
    lookups.push(performance.now() - t0);
    t0 = performance.now();
    const res = await fetchRetried(`${base}/api/v1/redemptions`, { method: 'POST', headers, body: JSON.stringify({ code: v.code, amountCents: 1_00, idempotencyKey: `scale-till-${world.redeemed}-${i}` }) });
    const redeemed = await res.text();
    redemptions.push(performance.now() - t0);
    if (found.status !== 200 || res.status !== 201) throw new Error(`till call failed: lookup ${found.status}, redemption ${res.status} ${redeemed}`);
    v.balance -= 1_00;
  }
  world.open = world.open.filter((v) => v.balance > 0);
  return { 'till: lookup p50': pct(lookups, 50), 'till: lookup p99': pct(lookups, 99), 'till: redemption p50': pct(redemptions, 50), 'till: redemption p99': pct(redemptions, 99) };
}

if (process.argv[1] === THIS_FILE) {
  const quick = process.argv.includes('--quick');
  const keep = process.argv.find((a) => a.startsWith('--keep='))?.slice('--keep='.length);
  const sizes = process.argv.find((a) => a.startsWith('--sizes='))?.slice('--sizes='.length).split(',').map(Number);
  const fill = process.argv.find((a) => a.startsWith('--sql-fill-from='))?.slice('--sql-fill-from='.length);
  const postgres = !process.argv.includes('--no-postgres');
  const r = await runScaleBench({ ...(quick ? { sizes: [2_000, 10_000] } : {}), ...(sizes ? { sizes } : {}), ...(fill ? { sqlFillFrom: Number(fill) } : {}), keepAs: keep, postgres, log: (l) => console.error(l) });
  printBench(r);
  process.exitCode = r.targets.every((t) => t.pass) ? 0 : 1;
}
