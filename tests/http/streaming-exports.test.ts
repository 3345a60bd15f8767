import { spawn } from 'node:child_process';
import type pg from 'pg';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addRedemptions, addShops } from '../../bench/settlement-data';
import { TOWN_HALL_BUYER } from '../support/builders';
import { recordBankTransfer } from '../../server/domain/orders/bank-transfers-service';
import { createOrder, type OrdersDeps } from '../../server/domain/orders/orders-service';
import { SHOP_REDEMPTIONS_PAGE_SQL, shopRedemptionLinesProgram } from '../../server/domain/redemptions/shop-redemption-reads';
import { STATEMENT_LINES_PAGE_SQL } from '../../server/domain/settlements/settlements-repository';
import { systemClock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { DemoProvider } from '../../server/payments/demo-provider';
import { statementLinesProgram } from '../../server/settlement/statement-reads';
import { positional, type SqlRead } from '../../db/read-program';
import type { Database_ } from '../../db/client';
import { rowOf, rowsOf } from '../support/backend-query';
import { fullScans, partialIndexes, planOf, planWithoutSeqScan, usesIndex, type PlanNode } from '../support/pg-query-plans';
import { JOURNAL_WINDOW_SQL } from '../../server/reports/journal-entries';
import { DEMO_VIEWER_EMAIL, operatorClient } from '../support/operator';
import { settle } from '../support/settlement';
import { parisDate } from '../../server/lib/paris-time';
import { FormClient, startTestApp, type TestApp } from '../support/test-app';
import { DEMO_PASSWORD } from '../../db/seed/demo-data';

/**
 * Issue 14, exports: every download streams — first bytes out before the last rows are
 * read, the server never holding more than a chunk ahead of a slow reader (flat memory) —
 * and the event loop stays free for the till while a fast reader pulls a large file.
 *
 * Data: 6 000 vouchers of 100 € issued by bank-transfer orders (the services), then ten
 * redemptions each written by set-based SQL exactly as the till writes them
 * (bench/settlement-data.ts): 60 000 redemptions in one shop over the last 7 days, 60 000
 * journal entries of two lines (a FEC of 120 000 lines, ~20 MB; an operations CSV of ~6 MB).
 */
const VOUCHERS = 6_000;
const REDEMPTIONS = VOUCHERS * 10;
const SHOP = 'bench-shop-0000';
let app: TestApp;
let shop: FormClient;
let viewer: FormClient;

const cookieHeader = (c: FormClient) => [...(c as unknown as { cookies: Map<string, string> }).cookies].map(([k, v]) => `${k}=${v}`).join('; ');

/**
 * The data, built on the seeded SQLite file before the app starts (startTestApp's `prepare`;
 * with TEST_BACKEND=postgres it is then copied over by copy-database, as an operator would).
 */
async function build(database: Database_): Promise<void> {
  const clock = systemClock;
  const now = clock.now();
  addShops(database, 1, now);
  const deps: OrdersDeps = { database, clock, payments: new DemoProvider('http://127.0.0.1'), baseUrl: 'http://127.0.0.1', logger: createLogger('silent'), operator: loadOperator({}, false) };
  for (let done = 0, n = 0; done < VOUCHERS; n++) {
    const size = Math.min(5_000, VOUCHERS - done);
    const created = await createOrder(deps, { campaignSlug: 'seine-estuaire', buyer: { ...TOWN_HALL_BUYER, address: { ...TOWN_HALL_BUYER.address, lines: [...TOWN_HALL_BUYER.address.lines] } }, items: [{ amountCents: 100_00, quantity: size }], paymentMethod: 'bank_transfer', locale: 'fr', byOperator: true });
    await recordBankTransfer(deps, { orderId: created.order.id, amountCents: created.order.totalCents, reference: `STREAM-${n}`, actor: 'test' });
    done += size;
  }
  expect(addRedemptions(database, now)).toBe(REDEMPTIONS);
  // The bench shop's owner, with the demo shops' password (the sign-in form is the real one).
  database.sqlite.prepare(`INSERT INTO merchant_users (id, merchant_id, email, name, role, password_hash, created_at)
    SELECT 'stream-owner', ?, 'owner@bench-shop.example', 'Owner', 'owner', password_hash, created_at FROM merchant_users WHERE password_hash IS NOT NULL LIMIT 1`).run(SHOP);
}

beforeAll(async () => {
  app = await startTestApp({ prepare: build });
  shop = new FormClient(app.url);
  const page = await shop.get('/connexion');
  expect((await shop.post('/connexion', { email: 'owner@bench-shop.example', password: DEMO_PASSWORD, next: '/commercant' }, page.html)).res.status).toBe(303);
  viewer = await operatorClient(app.url, DEMO_VIEWER_EMAIL);
}, 120_000);
afterAll(() => app?.close());

/** The query plan's steps, as SQLite words them. */
const plan = (sql: string, ...params: unknown[]) => (app.database.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);

/** The first read a stream program sends (its first page). */
const firstRead = (program: Generator<{ read: SqlRead } | { out: unknown }, void, never>): SqlRead => {
  const step = program.next().value;
  if (!step || !('read' in step)) throw new Error('the program read nothing');
  return step.read;
};
/** The node types of a plan, all of them (a Sort anywhere is a sort). */
const nodeTypes = (node: PlanNode): string[] => [node['Node Type'], ...((node as { Plans?: PlanNode[] }).Plans ?? []).flatMap(nodeTypes)];

describe('streamed exports: keyset pages over indexes', () => {
  it('reads each page of the shop operations, a statement and the FEC by an index range that starts at the cursor, never sorting', async () => {
    // On PostgreSQL its own planner's words for the same pages (as scale-query-plans-pg.test.ts reads them).
    if (app.pg) return await expectPostgresKeysetPlans();
    const ops = plan(SHOP_REDEMPTIONS_PAGE_SQL, 'm', '', '9999', 0, null, null);
    expect(ops).toContain('SEARCH r USING INDEX redemptions_merchant_id_created_at_number_idx (merchant_id=? AND created_at>? AND (created_at,number)<(?,?))');
    const statement = plan(STATEMENT_LINES_PAGE_SQL, 's', '', 0);
    expect(statement).toContain('SEARCH r USING INDEX redemptions_statement_id_created_at_number_idx (statement_id=? AND (created_at,number)>(?,?))');
    const fec = plan(JOURNAL_WINDOW_SQL, { code: 'EN', after: 0, upto: 500, start: '', end: '9999' });
    expect(fec).toContain('SEARCH j USING INDEX journals_code_number_uq (journal_code=? AND entry_number>? AND entry_number<?)');
    expect(fec).toContain('SEARCH l USING INDEX journal_lines_journal_idx (journal_id=?)');
    for (const steps of [ops, statement, fec]) expect(steps.join('\n')).not.toMatch(/TEMP B-TREE|SCAN/);
  });
});

/**
 * PostgreSQL's plans of the pages the exports send there (each program's first page, the same
 * SQL and parameters; the FEC window as journal-entries.ts sends it), on ANALYZEd statistics:
 * each reads by its keyset index, no history table in full; the shop's and the statement's
 * pages come out in index order (no Sort). A FEC window's lines are ordered within the window
 * (≤ 500 entries): a sort there is bounded by the window, not by the file.
 */
async function expectPostgresKeysetPlans(): Promise<void> {
  await app.pg!.pool.query('ANALYZE');
  const client = await app.pg!.pool.connect();
  try {
    await expectKeysetPlansOn(client);
  } finally {
    client.release();
  }
}

async function expectKeysetPlansOn(client: pg.PoolClient): Promise<void> {
  const partial = await partialIndexes(client);
  const history = ['redemptions', 'vouchers', 'journals', 'journal_lines'];
  const ops = firstRead(shopRedemptionLinesProgram(SHOP) as never);
  const statement = firstRead(statementLinesProgram('s') as never);
  const fec: SqlRead = { sql: JOURNAL_WINDOW_SQL, params: { code: 'EN', after: 0, upto: 500, start: '', end: '9999' } };
  const pgPlan = (read: SqlRead) => planOf(client, positional(read.sql, read.params));
  const plans = { ops: await pgPlan(ops), statement: await pgPlan(statement), fec: await pgPlan(fec) };
  expect(usesIndex(plans.ops, 'redemptions_merchant_id_created_at_number_idx')).toBe(true);
  expect(usesIndex(plans.statement, 'redemptions_statement_id_created_at_number_idx')).toBe(true);
  expect(usesIndex(plans.fec, 'journals_code_number_uq')).toBe(true);
  // As in scale-query-plans-pg.test.ts: a full read PostgreSQL chose where an index could serve
  // (it goes away with seq scans priced out, planWithoutSeqScan) is its cost decision on these
  // statistics (here: a FEC window's ~1 000 lines hashed against the 120 000 journal lines);
  // one that stays would have no index to read by, and fails.
  for (const [read, p] of [[ops, plans.ops], [statement, plans.statement], [fec, plans.fec]] as const) {
    if (!fullScans(p, read.sql, history, partial).length) continue;
    expect(fullScans(await planWithoutSeqScan(client, positional(read.sql, read.params)), read.sql, history, partial)).toEqual([]);
  }
  for (const p of [plans.ops, plans.statement]) expect(nodeTypes(p).filter((t) => /Sort/.test(t))).toEqual([]);
}

describe("the shop's operations CSV", () => {
  it(`holds every operation of the period (${REDEMPTIONS}, past the old cap of 10 000), newest first`, async () => {
    const res = await shop.request('/commercant/operations.csv');
    expect(res.status).toBe(200);
    const lines = Buffer.from(await res.arrayBuffer()).toString('utf8').split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe('\ufeff"number";"created_at";"paris_date";"voucher_code_end";"amount_cents";"amount_eur";"status";"voided_at";"actor"');
    const rows = lines.slice(1, -1);
    expect(rows).toHaveLength(REDEMPTIONS);
    const stamps = rows.map((r) => r.split(';')[1]!);
    expect([...stamps].sort().reverse()).toEqual(stamps);
  });

  it('streams with backpressure: a reader that pauses after the first bytes still gets rows read after that moment', async () => {
    const oldest = (await rowOf<{ id: string; number: number }>(app, `SELECT id, number FROM redemptions WHERE merchant_id = @shop ORDER BY created_at, number LIMIT 1`, { shop: SHOP }))!;
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${app.url}/commercant/operations.csv`, { headers: { cookie: cookieHeader(shop) } }, (res) => {
        const chunks: Buffer[] = [];
        res.once('data', (first: Buffer) => {
          chunks.push(first);
          res.pause();
          // The file's last row (the oldest operation) changes now, once the first bytes are
          // here: a server that read the whole period before sending (or ran ahead of this
          // paused reader) would have sent it as it was. A probe of read timing, not a way
          // to change the books.
          // Resumed only once the change is committed (on PostgreSQL, on another pooled connection).
          rowsOf(app, `UPDATE redemptions SET actor = 'read-after-first-bytes' WHERE id = @id`, { id: oldest.id }).then(
            () =>
              setTimeout(() => {
                res.on('data', (c: Buffer) => chunks.push(c));
                res.resume();
              }, 300),
            reject,
          );
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    const rows = body.split('\r\n').filter(Boolean);
    expect(rows).toHaveLength(REDEMPTIONS + 1);
    expect(rows.at(-1)).toMatch(new RegExp(`^"${oldest.number}";.*;"read-after-first-bytes"$`));
  });
});

/**
 * Downloads `path` `times` times from another process (as a browser would, so this loop is
 * the server's alone), reading as fast as it can, and measures the longest event-loop stall
 * meanwhile: the largest gap between ticks of a 5 ms interval timer, less the 5 ms.
 */
async function downloadWatchingTheLoop(path: string, cookie: string, times = 1): Promise<{ status: number; bytes: number; seconds: number; longest: number; ticks: number }> {
  const reader = `let n = 0, status = 0; for (let i = 0; i < ${times}; i++) { const r = await fetch(process.argv[1], { headers: { cookie: process.argv[2] } }); status = r.status; for await (const c of r.body) n += c.length; } console.log(JSON.stringify({ status, bytes: n }));`;
  let last = performance.now();
  let longest = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last - 5);
    last = now;
    ticks++;
  }, 5);
  const t0 = performance.now();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', reader, `${app.url}${path}`, cookie], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  const got = JSON.parse(out) as { status: number; bytes: number };
  console.log(`${path} ×${times}: ${got.bytes} bytes in ${seconds.toFixed(2)} s, longest event-loop stall ${Math.round(longest)} ms, ${ticks} timer ticks`);
  return { ...got, seconds, longest, ticks };
}

/**
 * What is guarded: no stall grows with the file. Before, each download was one stall (a
 * drain emitted from process.nextTick chained every chunk through microtasks). The bound
 * leaves room for a loaded 2-core machine descheduling the process.
 */
function expectNoStallGrowingWithTheFile(r: { seconds: number; longest: number; ticks: number }): void {
  // Long enough to sample (an idle CI machine pulls the 15 MB FEC in just under 1 s): the
  // old bug was ONE stall as long as the whole download, which the last bound still catches.
  expect(r.seconds).toBeGreaterThan(0.5);
  expect(r.ticks).toBeGreaterThan(10);
  expect(r.longest).toBeLessThan(Math.min(1000, (r.seconds * 1000) / 4));
}

describe('the FEC download', () => {
  it('leaves the event loop free while a fast reader pulls the whole file: no stall that grows with the file', async () => {
    const r = await downloadWatchingTheLoop('/operateur/rapports/fec.txt', cookieHeader(viewer));
    expect(r.status).toBe(200);
    expect(r.bytes).toBeGreaterThan(15_000_000); // 120 000 lines: large enough to have held the loop seconds
    expectNoStallGrowingWithTheFile(r);
  });
});

describe("a statement's CSV", () => {
  it(`of ${REDEMPTIONS} lines leaves the event loop free while a fast reader pulls it`, async () => {
    const run = await settle(app, parisDate(app.clock.now()));
    const statement = (await rowOf<{ id: string; n: number }>(app, `SELECT id, redemption_count AS n FROM statements WHERE merchant_id = @shop`, { shop: SHOP }))!;
    expect(run.batch).toBeTruthy();
    expect(statement.n).toBe(REDEMPTIONS);
    const r = await downloadWatchingTheLoop(`/commercant/releves/${statement.id}.csv`, cookieHeader(shop), 3);
    expect(r.status).toBe(200);
    expect(r.bytes).toBeGreaterThan(3 * 4_000_000);
    expectNoStallGrowingWithTheFile(r);
  });
});
