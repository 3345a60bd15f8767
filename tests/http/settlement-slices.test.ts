/**
 * Settlement in short transactions (slices of shops), with a second process at the till.
 * The settlement runs here; between two of its slices another process (tests/support/
 * till-child.ts, busy_timeout 0: it fails at once if the write lock is held) voids and
 * redeems. Its void of a shop not yet settled goes through and that redemption stays out of
 * every statement; its void of a redemption already stamped is refused (REDEMPTION_SETTLED);
 * the books stay balanced. Two `cli settle` started at the same moment write one batch.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { runSettlement } from '../../server/domain/settlements/run-settlement';
import { systemClock } from '../../server/lib/clock';
import { parisDate } from '../../server/lib/paris-time';
import { buyVouchers, type BuiltVoucher } from '../support/builders';
import { merchantId, take } from '../support/settlement';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';
import { runCli } from '../support/cli-process';

const SHOPS = ['librairie-la-galerne', 'fromagerie-du-marche', 'bijouterie-falaise', 'le-comptoir-benedictin'];
let dir: string;
let app: TestApp;
let dbFile: string;
let base: string;
let spare: BuiltVoucher;
const until = parisDate(new Date());

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'settle-slices-'));
  dbFile = join(dir, 'app.db');
  // Redemptions two hours ago: past the settlement's 30-minute void window.
  const clock = fixedClock(new Date(Date.now() - 2 * 3600_000));
  const empty = await startTestApp({ clock, databaseFile: dbFile, seed: false });
  await empty.close();
  const seeded = await startTestApp({ clock });
  const vouchers = await buyVouchers(seeded, { amountCents: 100_00, quantity: 9 });
  spare = vouchers[8]!;
  for (const [i, slug] of SHOPS.entries()) {
    await take(seeded, merchantId(seeded.database, slug), vouchers[2 * i]!.code, 10_00 + i);
    await take(seeded, merchantId(seeded.database, slug), vouchers[2 * i + 1]!.code, 20_00 + i);
  }
  await seeded.database.sqlite.backup(dbFile);
  base = join(dir, 'base.db');
  await seeded.database.sqlite.backup(base);
  await seeded.close();
  app = await startTestApp({ databaseFile: dbFile });
}, 60_000);
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

const rows = <T>(sql: string, ...params: unknown[]) => app.database.sqlite.prepare(sql).all(...params) as T[];

function tillChild(actions: unknown[]): { ok: boolean; code?: string; status?: string; id?: string }[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'tests/support/till-child.ts', dbFile, JSON.stringify(actions)], { encoding: 'utf8', env: { ...process.env, NODE_ENV: 'test' } });
  if (r.status !== 0) throw new Error(`till child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

describe('settlement in slices of shops, a second process at the till', () => {
  it('commits slice by slice: between slices the other process voids and redeems at once; a stamped redemption cannot be voided', async () => {
    const statements: string[] = [];
    const queries: string[] = [];
    let slices = 0;
    let child: ReturnType<typeof tillChild> | null = null;
    let planned: { settled: { id: string; merchantId: string }; ahead: { id: string; merchantId: string } } | null = null;
    const prepare = app.database.sqlite.prepare.bind(app.database.sqlite);
    app.database.sqlite.prepare = ((sql: string) => {
      if (/\bredemptions\b/.test(sql)) queries.push(sql);
      return prepare(sql);
    }) as typeof app.database.sqlite.prepare;
    try {
      await runSettlement({
        database: app.database, clock: systemClock, voidWindowMinutes: 30, operator: app.config.operator, dataDir: app.dataDir, transfers: null, sliceMerchants: 1,
        onStep: (step) => {
          if (step === 'batch:statement') statements.push(step);
          if (step !== 'batch:slice') return;
          slices++;
          if (child) return;
          // After the first slice that settled a shop: one redemption stamped, one of a shop still ahead.
          const settled = rows<{ id: string; merchantId: string }>(`SELECT id, merchant_id AS merchantId FROM redemptions WHERE statement_id IS NOT NULL LIMIT 1`)[0];
          const cursor = rows<{ c: string }>(`SELECT merchant_cursor AS c FROM settlement_batches WHERE closed_at IS NULL`)[0]?.c;
          const ahead = cursor && rows<{ id: string; merchantId: string }>(`SELECT id, merchant_id AS merchantId FROM redemptions WHERE statement_id IS NULL AND merchant_id > ? ORDER BY merchant_id LIMIT 1`, cursor)[0];
          if (!settled || !ahead) return;
          planned = { settled, ahead };
          child = tillChild([
            { void: ahead.id, merchantId: ahead.merchantId },
            { void: settled.id, merchantId: settled.merchantId },
            { redeem: spare.code, merchantId: settled.merchantId, amountCents: 5_00 },
          ]);
        },
      }, { until, actor: 'test' });
    } finally {
      app.database.sqlite.prepare = prepare;
    }
    expect(slices).toBeGreaterThanOrEqual(SHOPS.length);
    expect(child).toEqual([{ ok: true, status: 'voided' }, { ok: false, code: 'REDEMPTION_SETTLED' }, expect.objectContaining({ ok: true })]);
    const { settled, ahead } = planned!;
    expect(rows(`SELECT status, statement_id AS s FROM redemptions WHERE id = ?`, ahead.id)).toEqual([{ status: 'voided', s: null }]);
    expect(rows(`SELECT status FROM redemptions WHERE id = ?`, settled.id)).toEqual([{ status: 'completed' }]);
    // The new redemption is after the cut-off: for the next run.
    expect(rows(`SELECT statement_id AS s FROM redemptions WHERE id = ?`, child![2]!.id)).toEqual([{ s: null }]);
    const batch = rows<{ closed: string | null; n: number }>(`SELECT b.closed_at AS closed, (SELECT COUNT(*) FROM statements s WHERE s.batch_id = b.id) AS n FROM settlement_batches b`);
    expect(batch).toHaveLength(1);
    expect(batch[0]!.closed).not.toBeNull();
    expect(batch[0]!.n).toBe(SHOPS.length);
    expect(rows(`SELECT COUNT(*) AS n FROM redemptions WHERE status = 'completed' AND statement_id IS NULL AND actor != 'till-child'`)).toEqual([{ n: 0 }]);
    expect(checkLedger(app.database)).toEqual([]);
    // The unsettled redemptions are found and stamped through an index, never a scan of the history.
    const plans = queries.filter((q) => /statement_id IS NULL/.test(q)).map((q) => ({ q, plan: explain(q).map((r) => r.detail).join('; ') }));
    expect(plans.length).toBeGreaterThan(0);
    for (const p of plans) expect(p.plan, p.q).not.toMatch(/SCAN redemptions|SCAN r\b/);
  }, 60_000);

  it('two `cli settle` started at the same moment, in slices of one shop: one batch, every redemption settled once', async () => {
    // The same redemptions, never settled (copied before the first test settled them).
    const fresh = join(dir, 'fresh.db');
    await new Database(base, { readonly: true }).backup(fresh);
    const runs = await Promise.all([cli(fresh, ['settle', '--until', until, '--json']), cli(fresh, ['settle', '--until', until, '--json'])]);
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    const check = new Database(fresh, { readonly: true });
    try {
      expect(check.prepare(`SELECT COUNT(*) AS n, COUNT(closed_at) AS closed FROM settlement_batches`).get()).toEqual({ n: 1, closed: 1 });
      expect(check.prepare(`SELECT COUNT(*) AS n FROM statements`).get()).toEqual({ n: SHOPS.length });
      expect(check.prepare(`SELECT COUNT(*) AS n FROM redemptions WHERE statement_id IS NULL AND status = 'completed'`).get()).toEqual({ n: 0 });
      expect(check.prepare(`SELECT SUM(gross_cents) AS g FROM statements`).get()).toEqual(check.prepare(`SELECT SUM(amount_cents) AS g FROM redemptions`).get());
    } finally {
      check.close();
    }
    expect((await cli(fresh, ['check-ledger', '--json'])).json).toMatchObject({ ok: true });
  }, 60_000);
});

function cli(file: string, args: string[]) {
  return runCli(args, { DATABASE_URL: `file:${file}`, DATA_DIR: dir, SETTLEMENT_SLICE_MERCHANTS: '1' });
}

/** The plan of a statement as run (its placeholders bound to dummy values: EXPLAIN only needs them bound). */
function explain(sql: string): { detail: string }[] {
  const params = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 'x');
  return app.database.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
}
