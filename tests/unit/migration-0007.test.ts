/**
 * Migration 0007 (CHECK constraints by table rebuilds) on a database that older versions
 * wrote: every row and index survives, foreign keys still hold, the constraints are live,
 * and the rows only an older path could leave are repaired so the books stay clean —
 * value stranded on a cancelled code (issue 12 finding 1) becomes a blocked voucher, and
 * replacements made before the rule « a replacement keeps the value » take their chain's value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { migrateDatabase, openDatabase, type Database_ } from '../../db/client';
import { seedDemo } from '../../db/seed/demo';
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { findMerchantBySlug } from '../../server/domain/merchants/merchant-users-repository';
import { redeem } from '../../server/domain/redemptions/redemptions-service';
import { reissueVoucher } from '../../server/domain/vouchers/support-service';
import { fixedClock } from '../../server/lib/clock';
import { buyVouchers, type BuiltVoucher } from '../support/builders';

const clock = fixedClock('2026-11-23T10:00:00Z');
const REBUILT = ['orders', 'order_items', 'invoices', 'payments', 'refunds', 'vouchers', 'movements', 'redemptions'];
let dir: string;
let db: Database_;
let stranded: BuiltVoucher;
let chain: string[]; // original → replacement → replacement of the replacement
let before: { counts: number[]; indexes: string[] };
let voidedAfterReissue: { old: string; replacement: string };

const all = (sql: string, ...a: unknown[]) => db.sqlite.prepare(sql).all(...a) as Record<string, unknown>[];
const get = (sql: string, ...a: unknown[]) => db.sqlite.prepare(sql).get(...a) as Record<string, unknown>;
const counts = () => REBUILT.map((t) => get(`SELECT COUNT(*) AS n FROM ${t}`).n as number);
const indexes = () => all(`SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name`).map((r) => r.name as string);

/**
 * Today's code writes today's schema, so the history is made on a fully migrated copy and
 * its rows are copied, column by column, into a database migrated only to 0006: what an
 * older version left on disk. Later migrations (0009 onwards) may add tables and columns
 * without this test knowing.
 */
async function olderDatabase(): Promise<{ old: Database_; a: BuiltVoucher; b: BuiltVoucher; c: BuiltVoucher; redemptionId: string; cRedemptionId: string; cReplacement: string; merchantId: string; replacements: string[] }> {
  const src = openDatabase(`file:${join(dir, 'src.db')}`, { backgroundCheckpoints: false });
  migrateDatabase(src);
  await seedDemo(src, clock.now());
  const deps = { database: src, clock, voidWindowMinutes: 30 };
  const merchantId = findMerchantBySlug(src.db, 'librairie-la-galerne')!.id;
  const [a, b, c] = await buyVouchers({ database: src, clock }, { amountCents: 20_00, quantity: 3 });
  const r = await redeem(deps, { merchantId, actor: 'till', code: a!.code, amountCents: 12_00, idempotencyKey: 'old-void' });
  await redeem(deps, { merchantId, actor: 'till', code: b!.code, amountCents: 5_00, idempotencyKey: 'old-reissue' });
  const first = reissueVoucher(deps, { voucherId: b!.id, actor: 'support' }).reissued;
  const second = reissueVoucher(deps, { voucherId: first.id, actor: 'support' }).reissued;
  const rc = await redeem(deps, { merchantId, actor: 'till', code: c!.code, amountCents: 5_00, idempotencyKey: 'old-void-after-reissue' });
  const cReplacement = reissueVoucher(deps, { voucherId: c!.id, actor: 'support' }).reissued;
  await src.close();

  // The migrations up to 0006, as the database stood before this version.
  cpSync(join(__dirname, '../../db/migrations'), join(dir, 'old'), { recursive: true });
  const journal = JSON.parse(readFileSync(join(dir, 'old/meta/_journal.json'), 'utf8')) as { entries: { idx: number }[] };
  journal.entries = journal.entries.filter((e) => e.idx < 7);
  writeFileSync(join(dir, 'old/meta/_journal.json'), JSON.stringify(journal));
  const old = openDatabase(`file:${join(dir, 'app.db')}`, { backgroundCheckpoints: false });
  migrate(old.db, { migrationsFolder: join(dir, 'old') });
  old.sqlite.pragma('foreign_keys = OFF');
  old.sqlite.prepare(`ATTACH DATABASE ? AS src`).run(join(dir, 'src.db'));
  const tables = old.sqlite.prepare(`SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '__drizzle_migrations'`).pluck().all() as string[];
  for (const t of tables) {
    const cols = (old.sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(t) as string[]).map((c) => `"${c}"`).join(', ');
    old.sqlite.exec(`INSERT INTO main."${t}" (${cols}) SELECT ${cols} FROM src."${t}"`);
  }
  old.sqlite.exec('DETACH DATABASE src');
  old.sqlite.pragma('foreign_keys = ON');
  return { old, a: a!, b: b!, c: c!, redemptionId: r.redemption.id, cRedemptionId: rc.redemption.id, cReplacement: cReplacement.id, merchantId, replacements: [first.id, second.id] };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'migration-0007-'));
  const made = await olderDatabase();
  db = made.old;
  const { a, b, merchantId } = made;
  stranded = a;
  // What the old code left after « refund, then the shop voids »: cancelled, 12 € on it.
  db.transaction(() => {
    const run = (sql: string, ...p: unknown[]) => db.sqlite.prepare(sql).run(...p);
    run(`INSERT INTO journals (id, kind, description, order_id, created_at) VALUES ('refund-j', 'order_refund', 'old refund', ?, '2026-11-23T10:01:00Z')`, a.orderId);
    run(`INSERT INTO journal_lines (journal_id, account, amount_cents) VALUES ('refund-j', 'voucher_liability', 800), ('refund-j', 'payments_clearing:demo', -800)`);
    run(`INSERT INTO movements (id, voucher_id, seq, kind, amount_cents, balance_after_cents, journal_id, actor, created_at) VALUES ('m-cancel', ?, 3, 'cancel', -800, 0, 'refund-j', 'x', '2026-11-23T10:01:00Z')`, a.id);
    run(`INSERT INTO journals (id, kind, description, created_at) VALUES ('void-j', 'redemption_void', 'old void', '2026-11-23T10:02:00Z')`);
    run(`INSERT INTO journal_lines (journal_id, account, amount_cents) VALUES ('void-j', ?, 1200), ('void-j', 'voucher_liability', -1200)`, `merchant_payable:${merchantId}`);
    run(`INSERT INTO movements (id, voucher_id, seq, kind, amount_cents, balance_after_cents, journal_id, redemption_id, actor, created_at) VALUES ('m-void', ?, 4, 'void', 1200, 1200, 'void-j', ?, 'x', '2026-11-23T10:02:00Z')`, a.id, made.redemptionId);
    run(`UPDATE redemptions SET status = 'voided', voided_at = '2026-11-23T10:02:00Z', void_journal_id = 'void-j' WHERE id = ?`, made.redemptionId);
    run(`UPDATE campaigns SET redeemed_cents = redeemed_cents - 1200 WHERE id = ?`, a.campaignId);
    run(`UPDATE vouchers SET status = 'cancelled', balance_cents = 1200 WHERE id = ?`, a.id);
    // What the old code left after « redeem 5 €, reissue, then the shop voids »: the 5 € back
    // on the old, cancelled code instead of its replacement.
    const c = made.c;
    run(`INSERT INTO journals (id, kind, description, created_at) VALUES ('void-c', 'redemption_void', 'old void after reissue', '2026-11-23T10:03:00Z')`);
    run(`INSERT INTO journal_lines (journal_id, account, amount_cents) VALUES ('void-c', ?, 500), ('void-c', 'voucher_liability', -500)`, `merchant_payable:${merchantId}`);
    run(`INSERT INTO movements (id, voucher_id, seq, kind, amount_cents, balance_after_cents, journal_id, redemption_id, actor, created_at)
         VALUES ('m-void-c', ?, (SELECT MAX(seq) + 1 FROM movements WHERE voucher_id = ?), 'void', 500, 500, 'void-c', ?, 'x', '2026-11-23T10:03:00Z')`, c.id, c.id, made.cRedemptionId);
    run(`UPDATE redemptions SET status = 'voided', voided_at = '2026-11-23T10:03:00Z', void_journal_id = 'void-c' WHERE id = ?`, made.cRedemptionId);
    run(`UPDATE campaigns SET redeemed_cents = redeemed_cents - 500 WHERE id = ?`, c.campaignId);
    run(`UPDATE vouchers SET status = 'cancelled', balance_cents = 500 WHERE id = ?`, c.id);
  });
  voidedAfterReissue = { old: made.c.id, replacement: made.cReplacement };
  // Replacements made by the old reissue: value = the balance carried over.
  db.sqlite.prepare(`UPDATE vouchers SET amount_cents = (SELECT m.amount_cents FROM movements m WHERE m.voucher_id = vouchers.id AND m.kind = 'issue') WHERE reissued_from IS NOT NULL`).run();
  chain = [b.id, ...made.replacements];
  // The faults are there before the migration (check-ledger of today needs today's schema).
  expect(get(`SELECT status, balance_cents AS b FROM vouchers WHERE id = ?`, a.id)).toEqual({ status: 'cancelled', b: 12_00 });
  expect(chain.map((id) => get(`SELECT amount_cents AS a FROM vouchers WHERE id = ?`, id).a)).toEqual([20_00, 15_00, 15_00]);
  before = { counts: counts(), indexes: indexes() };
  migrateDatabase(db);
});
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('migration 0007', () => {
  it('keeps every row and index, and the foreign keys still hold', () => {
    // Every row is kept; the repair of the void on a replaced code adds its two adjust movements.
    expect(counts()).toEqual(before.counts.map((n, i) => (REBUILT[i] === 'movements' ? n + 2 : n)));
    // Later migrations may add indexes of their own: every index that was there is still there.
    // 0018 replaced (merchant_id, created_at) by (merchant_id, created_at, number), its prefix.
    const replaced = new Map([['redemptions_merchant_created_idx', 'redemptions_merchant_id_created_at_number_idx']]);
    expect(indexes()).toEqual(expect.arrayContaining([...before.indexes.map((n) => replaced.get(n) ?? n), 'vouchers_reissued_from_idx']));
    expect(all('PRAGMA foreign_key_check')).toEqual([]);
    expect(get('PRAGMA integrity_check')).toEqual({ integrity_check: 'ok' });
    // References point at the renamed tables, never at a *_new left behind.
    expect(all(`SELECT name FROM sqlite_master WHERE sql LIKE '%\\_new%' ESCAPE '\\'`)).toEqual([]);
  });

  it('repairs what older versions left, so the books are clean', () => {
    expect(get(`SELECT status, balance_cents AS b, block_reason AS r FROM vouchers WHERE id = ?`, stranded.id)).toEqual({
      status: 'blocked', b: 12_00, r: 'stranded: value put back on a cancelled voucher (found by migration 0007)',
    });
    expect(chain.map((id) => get(`SELECT amount_cents AS a FROM vouchers WHERE id = ?`, id).a)).toEqual([20_00, 20_00, 20_00]);
    // The 5 € voided onto the replaced code now sits on its replacement, with a journal that nets to zero.
    expect(get(`SELECT status, balance_cents AS b FROM vouchers WHERE id = ?`, voidedAfterReissue.old)).toEqual({ status: 'cancelled', b: 0 });
    expect(get(`SELECT status, balance_cents AS b, amount_cents AS a FROM vouchers WHERE id = ?`, voidedAfterReissue.replacement)).toEqual({ status: 'active', b: 20_00, a: 20_00 });
    expect(all(`SELECT kind, amount_cents AS c FROM movements WHERE journal_id = ? ORDER BY amount_cents`, `m0007-${voidedAfterReissue.old}`)).toEqual([{ kind: 'adjust', c: -5_00 }, { kind: 'adjust', c: 5_00 }]);
    expect(checkLedger(db)).toEqual([]);
  });

  it('enforces the constraints from now on', () => {
    const run = (sql: string, ...p: unknown[]) => () => db.sqlite.prepare(sql).run(...p);
    expect(run(`UPDATE vouchers SET status = 'cancelled' WHERE id = ?`, stranded.id)).toThrow(/CHECK constraint failed: vouchers_status_balance/);
    expect(run(`UPDATE vouchers SET balance_cents = amount_cents + 1 WHERE id = ?`, chain[2])).toThrow(/CHECK constraint failed: vouchers_balance_within_value/);
    expect(run(`UPDATE movements SET amount_cents = 1 WHERE kind = 'redeem'`)).toThrow(/CHECK constraint failed: movements_sign_per_kind/);
    expect(run(`UPDATE redemptions SET amount_cents = 0`)).toThrow(/CHECK constraint failed: redemptions_amount_positive/);
    expect(run(`UPDATE orders SET total_cents = -1`)).toThrow(/CHECK constraint failed: orders_amounts_not_negative/);
    expect(run(`UPDATE payments SET amount_cents = 0`)).toThrow(/CHECK constraint failed: payments_amount_positive/);
  });
});
