/**
 * check-ledger's runs are recorded in the database, and `--since-last-clean` verifies what
 * was posted after the last clean run's marks (journal entry numbers, redemption number),
 * through index ranges only: a breach in a new journal or movement is found, one in
 * history already verified is left to the full run.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedgerIn } from '../../server/domain/ledger/check-ledger';
import { runLedgerCheck } from '../../server/domain/ledger/ledger-check-runs';
import { currentMarks, lastCleanMarks } from '../../server/domain/ledger/ledger-checks-repository';
import { scopeSince } from '../../server/domain/ledger/ledger-scope';
import { buyVouchers, type BuiltVoucher } from '../support/builders';
import { merchantId, take } from '../support/settlement';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
let vouchers: BuiltVoucher[];
let shop: string;

beforeAll(async () => {
  app = await startTestApp();
  vouchers = await buyVouchers(app, { amountCents: 50_00, quantity: 4 });
  shop = merchantId(app.database, 'librairie-la-galerne');
  await take(app, shop, vouchers[0]!.code, 12_00);
  await take(app, shop, vouchers[1]!.code, 7_50);
}, 60_000);
afterAll(() => app?.close());

const run = (sinceLastClean: boolean) => runLedgerCheck({ database: app.database, clock: app.clock }, { sinceLastClean });
const exec = (sql: string, ...params: unknown[]) => app.database.sqlite.prepare(sql).run(...params);
const one = <T>(sql: string, ...params: unknown[]) => app.database.sqlite.prepare(sql).get(...params) as T;
/** The merchant_payable line of a redemption's journal (no whole-account identity covers it). */
const payableLine = (redemptionId: string) =>
  one<{ id: number }>(`SELECT l.id FROM journal_lines l JOIN redemptions r ON r.journal_id = l.journal_id WHERE r.id = ? AND l.account LIKE 'merchant_payable:%'`, redemptionId).id;

describe('check-ledger --since-last-clean', () => {
  it('without a clean run on record runs in full; each run is recorded with its marks', () => {
    const first = run(true);
    expect(first).toMatchObject({ mode: 'full', since: null, breaches: [] });
    expect(first.marks.redemption).toBeGreaterThan(0);
    expect(first.marks.journals.EN).toBeGreaterThan(0);
    const rows = app.database.sqlite.prepare(`SELECT mode, clean, breaches, marks FROM ledger_checks`).all() as { mode: string; clean: number; marks: string }[];
    expect(rows).toEqual([{ mode: 'full', clean: 1, breaches: 0, marks: JSON.stringify(first.marks) }]);
  });

  it('finds a breach posted since the last clean run, and keeps finding it until the books are clean', async () => {
    const old = one<{ id: string }>(`SELECT id FROM redemptions ORDER BY number LIMIT 1`).id;
    const r = await take(app, shop, vouchers[2]!.code, 3_33);
    const fresh = r.redemption.id;
    const freshJournal = r.redemption.journalId;
    // A new journal that does not balance, and a new movement whose running balance is wrong.
    exec(`UPDATE journal_lines SET amount_cents = amount_cents - 1 WHERE id = ?`, payableLine(fresh));
    exec(`UPDATE movements SET balance_after_cents = balance_after_cents + 1 WHERE redemption_id = ? AND kind = 'redeem'`, fresh);
    // History the last clean run verified: a full run sees it, an incremental one does not read it.
    exec(`UPDATE journal_lines SET amount_cents = amount_cents - 1 WHERE id = ?`, payableLine(old));

    const incremental = run(true);
    expect(incremental.mode).toBe('incremental');
    expect(incremental.since).not.toBeNull();
    expect(incremental.breaches.map((b) => b.invariant).sort()).toEqual(['journal_balances', 'movement_chain']);
    expect(incremental.breaches.find((b) => b.invariant === 'journal_balances')!.detail).toContain(freshJournal);

    const full = run(false);
    expect(full.breaches.filter((b) => b.invariant === 'journal_balances')).toHaveLength(2);
    // Failed runs do not move the starting point: the next incremental run still sees the breach.
    expect(run(true).breaches.map((b) => b.invariant).sort()).toEqual(['journal_balances', 'movement_chain']);

    exec(`UPDATE journal_lines SET amount_cents = amount_cents + 1 WHERE id IN (?, ?)`, payableLine(fresh), payableLine(old));
    exec(`UPDATE movements SET balance_after_cents = balance_after_cents - 1 WHERE redemption_id = ? AND kind = 'redeem'`, fresh);
    const clean = run(true);
    expect(clean).toMatchObject({ mode: 'incremental', breaches: [] });
    expect(clean.marks.redemption).toBe(r.redemption.number);
    expect(app.database.snapshot((tx) => lastCleanMarks(tx))!.marks).toEqual(clean.marks);
  });

  it('reads only index ranges of the history: no scan of movements, redemptions or journals', async () => {
    expect(run(true).breaches).toEqual([]);
    await take(app, shop, vouchers[3]!.code, 1_00);
    const since = app.database.snapshot((tx) => lastCleanMarks(tx))!.marks;
    const statements: string[] = [];
    const sqlite = app.database.sqlite;
    const prepare = sqlite.prepare.bind(sqlite);
    sqlite.prepare = ((sql: string) => {
      statements.push(sql);
      return prepare(sql);
    }) as typeof sqlite.prepare;
    try {
      app.database.snapshot((tx) => checkLedgerIn(tx, scopeSince(since, Object.keys(currentMarks(tx).journals))));
    } finally {
      sqlite.prepare = prepare;
    }
    // Named parameters (@code, @mark) get a placeholder value: a plan does not depend on it.
    const placeholders = (sql: string) => Object.fromEntries([...sql.matchAll(/@([a-z_]+)/g)].map((m) => [m[1], 0]));
    const scans = statements.flatMap((sql) => (sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(placeholders(sql)) as { detail: string }[])
      .filter((r) => /^SCAN /.test(r.detail)).map((r) => ({ table: tableOf(sql, r.detail), sql: sql.replace(/\s+/g, ' ').slice(0, 120) })));
    const history = scans.filter((s) => ['movements', 'redemptions', 'journals'].includes(s.table));
    expect(history).toEqual([]);
    // The one scan of the lines: the whole-account identities (liability, advances, payouts, sponsors), once.
    expect(scans.filter((s) => s.table === 'journal_lines')).toHaveLength(1);
  });

  it('is what `cli check-ledger --since-last-clean` runs', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'check-ledger', '--since-last-clean', '--json'], {
      encoding: 'utf8', env: { ...process.env, NODE_ENV: 'test', BASE_URL: 'http://localhost:3000', DATABASE_URL: `file:${app.dataDir}/app.db`, DATA_DIR: app.dataDir },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ok: true, mode: 'incremental' });
  }, 60_000);
});

/** The table behind a plan's `SCAN <name>` (the name may be an alias in the statement). */
function tableOf(sql: string, detail: string): string {
  const name = detail.split(' ')[1]!;
  const alias = new RegExp(`\\b(\\w+)\\s+(?:AS\\s+)?${name}\\b(?=\\s|,|$)`, 'i').exec(sql.replace(/\s+/g, ' '));
  const tables = ['movements', 'redemptions', 'journals', 'journal_lines', 'vouchers', 'orders', 'payments', 'refunds', 'campaigns', 'statements', 'statement_campaigns', 'settlement_batches', 'sepa_files', 'journal_counters'];
  if (tables.includes(name)) return name;
  return alias && tables.includes(alias[1]!) ? alias[1]! : name;
}
