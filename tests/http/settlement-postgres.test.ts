/**
 * Settlement on PostgreSQL (issue 14), from one dataset built on SQLite and copied by
 * copy-database:
 * - two `cli settle` started at the same moment, in slices of one shop: one batch, every
 *   redemption settled once, gap-free statement and invoice numbers, books clean (the SQLite
 *   twin is in settlement-slices.test.ts);
 * - the till adds redemptions and a void on each backend, then `cli settle` on each: the
 *   same statements, totals, account balances and SEPA transactions, check-ledger clean;
 * - `sepa-file` and `sepa-executed` on a batch one of whose statements could not be
 *   written, on both backends (the same steps);
 * - a void racing a settlement: held at the two moments that matter (after the slice priced
 *   the shop, before it stamped; after it stamped, before it committed), the void wins in the
 *   first (its redemption is in no statement) and is refused in the second, never both; then
 *   voids of every redemption fired while a settlement runs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client';
import { openPostgresPool, type PgDatabase } from '../../db/postgres-pool';
import type { Step } from '../../db/unit-of-work';
import { sqliteTill, type Till } from '../../server/domain/redemptions/redemptions-service';
import { postgresTill } from '../../server/domain/redemptions/till-postgres';
import { runSettlement } from '../../server/domain/settlements/run-settlement';
import type { SettlementStore, SettlementUnits } from '../../server/domain/settlements/settlement-store';
import { pgSettlementUnits } from '../../server/domain/settlements/settlement-store-pg';
import { systemClock } from '../../server/lib/clock';
import { loadOperator } from '../../server/operator';
import { parisDate } from '../../server/lib/paris-time';
import { buyVouchers, type BuiltVoucher } from '../support/builders';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { hasXmllint, merchantId, take, validateSepa } from '../support/settlement';
import { settlementBooks, settlementTarget, type SettlementTarget } from '../support/settlement-backends';
import { fixedClock, startTestApp } from '../support/test-app';
import { runCli } from '../support/cli-process';

const SHOPS = ['librairie-la-galerne', 'fromagerie-du-marche', 'bijouterie-falaise', 'le-comptoir-benedictin'];
const until = parisDate(new Date());
// Redemptions two hours ago: past the settlement's 30-minute void window.
const past = () => fixedClock(new Date(Date.now() - 2 * 3600_000));
let dir: string;
let base: string;
let cluster: PgCluster;
let spare: BuiltVoucher[];
const shopIds = new Map<string, string>();

function cli(target: SettlementTarget, args: string[], env: Record<string, string> = {}) {
  return runCli(args, { DATABASE_URL: target.url, DATA_DIR: target.dataDir, ...env });
}

/** The numbers of a sequence as integers (REL-2026-000003 → 3). */
const seqs = (refs: string[]) => refs.map((r) => Number(r.split('-').at(-1))).sort((a, b) => a - b);

// Skips only where PostgreSQL is not installed, with a printed notice; REQUIRE_POSTGRES=1
// (set by .ci/run) makes postgresAvailable() throw instead, so in CI this runs or fails.
describe.skipIf(!postgresAvailable())('settlement on PostgreSQL', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'settle-pg-'));
    cluster = await startPostgres();
    base = join(dir, 'base.db');
    const clock = past();
    const empty = await startTestApp({ clock, databaseFile: base, seed: false });
    await empty.close();
    const seeded = await startTestApp({ clock });
    const vouchers = await buyVouchers(seeded, { amountCents: 100_00, quantity: 12 });
    spare = vouchers.slice(8);
    for (const [i, slug] of SHOPS.entries()) {
      shopIds.set(slug, merchantId(seeded.database, slug));
      await take(seeded, shopIds.get(slug)!, vouchers[2 * i]!.code, 10_00 + i);
      await take(seeded, shopIds.get(slug)!, vouchers[2 * i + 1]!.code, 20_00 + i);
    }
    await seeded.database.sqlite.backup(base);
    await seeded.close();
  }, 120_000);
  afterAll(() => {
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two `cli settle` started at the same moment, in slices of one shop: one batch, gap-free numbers, the books clean', async () => {
    const target = await settlementTarget('postgres', base, dir, 'pg_two', cluster);
    const runs = await Promise.all([0, 1].map(() => cli(target, ['settle', '--until', until, '--json'], { SETTLEMENT_SLICE_MERCHANTS: '1' })));
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    // One created the batch; the other joined it or found it done: both report the same one.
    expect(runs[0]!.json.batch.reference).toBe(runs[1]!.json.batch.reference);
    const books = await target.read(settlementBooks());
    expect(books).toMatchObject({ batches: 1, open: 0, unsettled: 0, mails: expect.any(Number) });
    expect(books.statements.map((s) => s.slug).sort()).toEqual([...SHOPS].sort());
    const numbers = await target.read((function* () {
      return {
        statements: (yield { sql: `SELECT reference AS r, invoice_number AS i FROM statements` }) as { r: string; i: string }[],
        counter: (yield { sql: `SELECT last_seq AS n FROM invoice_counters WHERE kind = 'invoice'` })[0]!.n as number,
        gross: (yield { sql: `SELECT (SELECT SUM(gross_cents) FROM statements) AS s, (SELECT SUM(amount_cents) FROM redemptions) AS r` })[0]!,
      };
    })());
    expect(seqs(numbers.statements.map((s) => s.r))).toEqual([1, 2, 3, 4]);
    // Commission invoices follow the order invoices without a gap: the last ones of the sequence.
    expect(seqs(numbers.statements.map((s) => s.i))).toEqual([0, 1, 2, 3].map((k) => numbers.counter - 3 + k));
    expect(numbers.gross.s).toBe(numbers.gross.r);
    if (hasXmllint) validateSepa(runs[0]!.json.batch.sepaFile);
    expect((await cli(target, ['check-ledger', '--json'])).json).toMatchObject({ ok: true });
  }, 120_000);

  it('the till on each backend adds the same sales and a void; `cli settle` on each gives the same statements and totals', async () => {
    const clock = past();
    const deps = { clock, voidWindowMinutes: 30 };
    const ops = async (till: Till) => {
      const at = (slug: string) => shopIds.get(slug)!;
      const a = await till.redeem({ merchantId: at(SHOPS[0]!), actor: 'till', code: spare[0]!.code, amountCents: 30_00, idempotencyKey: 'same-1' });
      await till.redeem({ merchantId: at(SHOPS[1]!), actor: 'till', code: spare[0]!.code, amountCents: 12_34, idempotencyKey: 'same-2' });
      await till.redeem({ merchantId: at(SHOPS[2]!), actor: 'till', code: spare[1]!.code, amountCents: 99_99, idempotencyKey: 'same-3' });
      await till.voidRedemption({ merchantId: at(SHOPS[0]!), actor: 'till', redemptionId: a.redemption.id });
      await till.redeem({ merchantId: at(SHOPS[3]!), actor: 'till', code: spare[2]!.code, amountCents: 5_00, idempotencyKey: 'same-4' });
    };
    const sqlite = await settlementTarget('sqlite', base, dir, 'same_sqlite');
    const database = openDatabase(sqlite.url, { backgroundCheckpoints: false });
    try {
      await ops(sqliteTill({ database, ...deps }));
    } finally {
      await database.close();
    }
    const postgres = await settlementTarget('postgres', base, dir, 'same_pg', cluster);
    const pool = openPostgresPool(postgres.url);
    try {
      await ops(postgresTill(pool, deps));
    } finally {
      await pool.close();
    }
    const [onSqlite, onPg] = await Promise.all([sqlite, postgres].map((t) => cli(t, ['settle', '--until', until, '--json'])));
    expect(onSqlite!.status, onSqlite!.stderr).toBe(0);
    expect(onPg!.status, onPg!.stderr).toBe(0);
    // The contract's output: the same statements (shop, references, amounts, method, status) and totals.
    const contract = (j: any) => ({ reference: j.batch.reference, until: j.batch.until, statements: j.batch.statements, totals: [j.batch.grossCents, j.batch.commissionCents, j.batch.vatCents, j.batch.netCents], holds: j.holds, stripe: j.stripe, created: j.created });
    expect(contract(onPg!.json)).toEqual(contract(onSqlite!.json));
    expect(onPg!.json.batch.statements).toHaveLength(SHOPS.length);
    // The books: statements per shop, every account's balance, nothing completed left unsettled.
    const books = await Promise.all([sqlite, postgres].map((t) => t.read(settlementBooks())));
    expect(books[1]).toEqual(books[0]);
    expect(books[1]).toMatchObject({ batches: 1, open: 0, unsettled: 0 });
    // The SEPA file: valid pain.001 on both, the same transactions (ids and dates differ).
    const files = [onSqlite!.json.batch.sepaFile, onPg!.json.batch.sepaFile] as string[];
    if (hasXmllint) validateSepa(...files);
    const transactions = (f: string) => [...readFileSync(f, 'utf8').matchAll(/<CdtTrfTxInf>[\s\S]*?<\/CdtTrfTxInf>/g)].map((m) => m[0]);
    expect(transactions(files[1]!)).toEqual(transactions(files[0]!));
    expect(transactions(files[1]!).length).toBeGreaterThan(0);
    for (const t of [sqlite, postgres]) expect((await cli(t, ['check-ledger', '--json'])).json, t.backend).toMatchObject({ ok: true });
  }, 180_000);

  // The same edits and commands on both backends: `sepa-file` and `sepa-executed` share the settlement's code.
  for (const backend of ['sqlite', 'postgres'] as const) {
    it(`sepa-file completes a batch whose statement could not be written, sepa-executed pays file by file (${backend})`, async () => {
      const target = await settlementTarget(backend, base, dir, `files_${backend}`, cluster);
      const settled = await cli(target, ['settle', '--until', until, '--json']);
      expect(settled.status, settled.stderr).toBe(0);
      const reference = settled.json.batch.reference as string;
      const shop = SHOPS[2]!;
      // As a batch settled before files were recorded and before the holder check: no file
      // yet, one statement whose stored holder (and its shop's) the SEPA character set cannot carry.
      await target.exec(`
        DELETE FROM sepa_files;
        UPDATE statements SET sepa_file_seq = NULL;
        UPDATE statements SET account_holder = 'Ελληνικό Καφέ' WHERE merchant_id = '${shopIds.get(shop)}';
        UPDATE merchants SET account_holder = 'Ελληνικό Καφέ' WHERE id = '${shopIds.get(shop)}';`);
      const held = await cli(target, ['sepa-file', '--batch', reference, '--json']);
      expect(held.status, held.stderr).toBe(1);
      expect(held.json).toMatchObject({ batch: reference, produced: 1, held: [{ reason: 'invalid_holder' }] });
      // Fixed by the shop: the next file carries it, the first one is not touched.
      await target.exec(`UPDATE merchants SET account_holder = 'Bijouterie Falaise SARL' WHERE id = '${shopIds.get(shop)}'`);
      const fixed = await cli(target, ['sepa-file', '--batch', reference, '--json']);
      expect(fixed.status, fixed.stderr).toBe(0);
      expect(fixed.json).toMatchObject({ produced: 2, held: [] });
      expect(fixed.json.files).toHaveLength(2);
      if (hasXmllint) validateSepa(...(fixed.json.files as string[]));
      expect(readFileSync(fixed.json.files[1], 'utf8')).toContain('Bijouterie Falaise SARL');
      // Two files open: the bank's confirmation must name one.
      expect((await cli(target, ['sepa-executed', '--batch', reference, '--json'])).json).toMatchObject({ error: { code: 'SEPA_FILE_REQUIRED' } });
      expect((await cli(target, ['sepa-executed', '--batch', reference, '--file', '1', '--json'])).json).toMatchObject({ paid: SHOPS.length - 1 });
      expect((await cli(target, ['sepa-executed', '--batch', reference, '--file', '2', '--json'])).json).toMatchObject({ paid: 1 });
      expect((await cli(target, ['sepa-executed', '--batch', reference, '--file', '2', '--json'])).json).toMatchObject({ alreadyExecuted: true });
      const state = await target.read((function* () {
        return {
          unpaid: (yield { sql: `SELECT COUNT(*) AS n FROM statements WHERE status != 'paid'` })[0]!.n,
          executed: (yield { sql: `SELECT COUNT(*) AS n FROM settlement_batches WHERE sepa_executed_at IS NOT NULL` })[0]!.n,
        };
      })());
      expect({ unpaid: Number(state.unpaid), executed: Number(state.executed) }).toEqual({ unpaid: 0, executed: 1 });
      expect((await cli(target, ['check-ledger', '--json'])).json).toMatchObject({ ok: true });
    }, 120_000);
  }

  describe('a void racing a settlement', () => {
    let target: SettlementTarget;
    let pool: PgDatabase;
    let side: pg.Client;
    // A till whose void window reaches the settled redemptions: only the stamp decides.
    const till = () => postgresTill(pool, { clock: systemClock, voidWindowMinutes: 24 * 60 });
    const settle = (units: SettlementUnits) =>
      runSettlement({ units, clock: systemClock, voidWindowMinutes: 30, operator: loadOperator({}, false), dataDir: target.dataDir, transfers: null, sliceMerchants: 1 }, { until, actor: 'test' });
    const tryVoid = (r: { id: string; merchantId: string }) =>
      till().voidRedemption({ merchantId: r.merchantId, actor: 'race', redemptionId: r.id }).then(() => 'voided' as const, (e) => (e as { code?: string }).code ?? String(e));
    const redemption = async (where: string) =>
      (await side.query<{ id: string; merchantId: string; status: string; statementId: string | null }>(
        `SELECT id, merchant_id AS "merchantId", status, statement_id AS "statementId" FROM redemptions WHERE ${where} ORDER BY merchant_id, number LIMIT 1`,
      )).rows[0]!;
    /** Until `n` backends of this database wait for a lock (the moment a race is decided). */
    const lockWaiters = async (n: number) => {
      for (let i = 0; i < 500; i++) {
        const { rows } = await side.query<{ n: string }>(`SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (Number(rows[0]!.n) >= n) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no ${n} lock waiter(s)`);
    };
    /**
     * The settlement's units with one pause inside a slice, at a store call (a step yielding
     * a promise the test resolves): `lockUnsettled` of the slice that takes `merchant` (priced
     * nothing yet), or the first `advanceBatch` (its shop stamped, not committed).
     */
    function paused(at: 'lockUnsettled' | 'advanceBatch', merchant = '') {
      let reached!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((r) => (reached = r));
      const gate = new Promise<void>((r) => (release = r));
      const inner = pgSettlementUnits(pool);
      let once = false;
      function* pause(when: boolean): Step<void> {
        if (!when || once) return;
        once = true;
        reached();
        yield gate;
      }
      const wrap = (s: SettlementStore): SettlementStore => ({
        ...s,
        *lockUnsettled(cutoff, after, upTo) {
          yield* pause(at === 'lockUnsettled' && after < merchant && merchant <= upTo);
          yield* s.lockUnsettled(cutoff, after, upTo);
        },
        *advanceBatch(batchId, add, cursor) {
          yield* pause(at === 'advanceBatch');
          yield* s.advanceBatch(batchId, add, cursor);
        },
      });
      const units: SettlementUnits = { ...inner, write: <T,>(fn: (s: SettlementStore) => Step<T>) => inner.write((s) => fn(wrap(s))) };
      return { units, arrived, release };
    }
    const count = async (where: string) => Number((await side.query<{ n: string }>(`SELECT COUNT(*) AS n FROM redemptions WHERE ${where}`)).rows[0]!.n);
    const slugOf = async (id: string) => (await side.query<{ slug: string }>(`SELECT slug FROM merchants WHERE id = $1`, [id])).rows[0]!.slug;

    beforeAll(async () => {
      target = await settlementTarget('postgres', base, dir, 'pg_race', cluster);
      pool = openPostgresPool(target.url);
      side = new pg.Client({ connectionString: target.url });
      await side.connect();
    }, 60_000);
    afterAll(async () => {
      await side?.end();
      await pool?.close();
    });

    it("the void first (its shop's slice open, nothing priced yet): the void wins, the redemption is in no statement", async () => {
      const first = await redemption(`status = 'completed' AND statement_id IS NULL`);
      const before = await count(`status = 'completed' AND statement_id IS NULL AND merchant_id = '${first.merchantId}'`);
      const { units, arrived, release } = paused('lockUnsettled', first.merchantId);
      const settlement = settle(units);
      await arrived;
      // The slice holds the settlement lock (and the counters it took), not the redemption: the void goes through.
      expect(await tryVoid(first)).toBe('voided');
      release();
      const r = await settlement;
      expect(await redemption(`id = '${first.id}'`)).toMatchObject({ status: 'voided', statementId: null });
      // The shop's statement holds its other redemptions only, to the cent (check-ledger below).
      const slug = await slugOf(first.merchantId);
      const shop = r.batch!.statements.find((s) => s.merchant === slug)!;
      expect(shop.redemptions).toBe(before - 1);
      expect((await cli(target, ['check-ledger', '--json'])).json).toMatchObject({ ok: true });
    }, 60_000);

    it('the settlement first (stamped, not yet committed): the void waits for it, then is refused', async () => {
      // New sales (the first batch took the others), now past its cut-off for the next one.
      const sales = past();
      const pgTill = postgresTill(pool, { clock: sales, voidWindowMinutes: 30 });
      for (const [i, slug] of SHOPS.entries()) {
        await pgTill.redeem({ merchantId: shopIds.get(slug)!, actor: 'till', code: spare[3]!.code, amountCents: 1_00 + i, idempotencyKey: `race-2-${i}` });
      }
      const target2 = await redemption(`status = 'completed' AND statement_id IS NULL`);
      const { units, arrived, release } = paused('advanceBatch');
      const settlement = settle(units);
      await arrived;
      // The first shop's redemptions are stamped (row-locked) in the open slice: the void queues behind it.
      const voided = tryVoid(target2);
      await lockWaiters(1);
      release();
      await settlement;
      expect(await voided).toBe('REDEMPTION_SETTLED');
      const after = await redemption(`id = '${target2.id}'`);
      expect(after.status).toBe('completed');
      expect(after.statementId).not.toBeNull();
      expect((await cli(target, ['check-ledger', '--json'])).json).toMatchObject({ ok: true });
    }, 60_000);

    it('voids of every unsettled redemption fired while a settlement runs: each is voided or settled, never both', async () => {
      const sales = past();
      const pgTill = postgresTill(pool, { clock: sales, voidWindowMinutes: 30 });
      for (let round = 0; round < 3; round++) {
        for (const [i, slug] of SHOPS.entries()) {
          await pgTill.redeem({ merchantId: shopIds.get(slug)!, actor: 'till', code: spare[3]!.code, amountCents: 50 + i, idempotencyKey: `race-3-${round}-${i}` });
        }
      }
      const open = (await side.query<{ id: string; merchantId: string }>(`SELECT id, merchant_id AS "merchantId" FROM redemptions WHERE status = 'completed' AND statement_id IS NULL`)).rows;
      expect(open.length).toBe(3 * SHOPS.length);
      const settlement = settle(pgSettlementUnits(pool));
      const outcomes = await Promise.all(open.map(async (r, i) => {
        await new Promise((res) => setTimeout(res, i * 15));
        return { ...r, outcome: await tryVoid(r) };
      }));
      await settlement;
      for (const r of outcomes) {
        const after = await redemption(`id = '${r.id}'`);
        if (r.outcome === 'voided') expect(after, r.id).toMatchObject({ status: 'voided', statementId: null });
        else {
          expect(r.outcome).toBe('REDEMPTION_SETTLED');
          expect(after.status).toBe('completed');
          expect(after.statementId).not.toBeNull();
        }
      }
      const { rows } = await side.query(`SELECT COUNT(*)::int AS n FROM redemptions WHERE status = 'voided' AND statement_id IS NOT NULL`);
      expect(rows[0]).toEqual({ n: 0 });
      expect((await cli(target, ['check-ledger', '--json'])).json).toMatchObject({ ok: true });
    }, 90_000);
  });
});
