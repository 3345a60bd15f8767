/**
 * The database backs the ledger writer (migration 0007), and check-ledger sees every rule
 * the constraints imply: each bad row is refused by its CHECK; written anyway with the
 * constraints off (PRAGMA ignore_check_constraints, as a row from an older version or a
 * hand-made fix would be), the matching check-ledger invariant reports it.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { migrateDatabase, openDatabase, type Database_ } from '../../db/client';
import { seedDemo } from '../../db/seed/demo';
import { checkLedger } from '../../server/domain/ledger/check-ledger';
import { nextEntryNumber } from '../../server/domain/ledger/ledger-repository';
import { findMerchantBySlug } from '../../server/domain/merchants/merchant-users-repository';
import { redeem, voidRedemption } from '../../server/domain/redemptions/redemptions-service';
import { blockVoucher, reissueVoucher } from '../../server/domain/vouchers/support-service';
import { changeVoucher } from '../../server/domain/vouchers/voucher-ledger';
import { fixedClock } from '../../server/lib/clock';
import { buyVouchers, setVoucherStatus, type BuiltVoucher } from '../support/builders';

const clock = fixedClock('2026-11-23T10:00:00Z');
let template: string;
let db: Database_;
let spent: BuiltVoucher; // fully redeemed
let voided: { redemptionId: string }; // a voided redemption
let replacement: { oldId: string; newId: string };
let cancelled: BuiltVoucher;

/** One seeded database with each kind of history, copied for every test (seeding hashes passwords: slow). */
beforeAll(async () => {
  template = join(mkdtempSync(join(tmpdir(), 'ledger-constraints-')), 'template.db');
  const base = openDatabase(`file:${template}`, { backgroundCheckpoints: false });
  migrateDatabase(base);
  await seedDemo(base, clock.now());
  const deps = { database: base, clock, voidWindowMinutes: 30 };
  const merchantId = findMerchantBySlug(base.db, 'librairie-la-galerne')!.id;
  const [a, b, c, d] = await buyVouchers({ database: base, clock }, { amountCents: 20_00, quantity: 4 });
  spent = a!;
  await redeem(deps, { merchantId, actor: 'till', code: a!.code, amountCents: 20_00, idempotencyKey: 'k-spent' });
  const r = await redeem(deps, { merchantId, actor: 'till', code: b!.code, amountCents: 5_00, idempotencyKey: 'k-void' });
  voidRedemption(deps, { merchantId, actor: 'till', redemptionId: r.redemption.id });
  voided = { redemptionId: r.redemption.id };
  await redeem(deps, { merchantId, actor: 'till', code: c!.code, amountCents: 5_00, idempotencyKey: 'k-reissue' });
  blockVoucher(deps, { voucherId: c!.id, actor: 'support', reason: 'lost' });
  replacement = { oldId: c!.id, newId: reissueVoucher(deps, { voucherId: c!.id, actor: 'support' }).reissued.id };
  setVoucherStatus(base, d!.code, 'cancelled');
  cancelled = d!;
  expect(checkLedger(base)).toEqual([]);
  await base.close();
});
afterAll(() => rmSync(dirname(template), { recursive: true, force: true }));

let copy = 0;
beforeEach(() => {
  const file = join(dirname(template), `copy-${++copy}.db`);
  copyFileSync(template, file);
  db = openDatabase(`file:${file}`, { backgroundCheckpoints: false });
});
afterEach(() => db.close());

const run = (sql: string, ...args: unknown[]) => db.sqlite.prepare(sql).run(...args);
const invariants = () => new Set(checkLedger(db).map((b) => b.invariant));
const one = (sql: string, ...args: unknown[]) => db.sqlite.prepare(sql).get(...args) as Record<string, unknown>;

/** What the old void did after a refund: 5 € back on the cancelled code, journal and movement included. */
function strand() {
  // Numbered as any posted entry is (journal_counters, LPF A47 A-1): the fault is the value, not the numbering.
  const number = nextEntryNumber(db.db, 'EN');
  run(`INSERT INTO journals (id, kind, description, journal_code, entry_number, created_at) VALUES ('jv', 'redemption_void', 'old void', 'EN', ?, '2026-11-23T10:00:00Z')`, number);
  run(`INSERT INTO journal_lines (journal_id, account, amount_cents) VALUES ('jv', 'merchant_payable:x', 500), ('jv', 'voucher_liability', -500)`);
  run(`INSERT INTO movements (id, voucher_id, seq, kind, amount_cents, balance_after_cents, journal_id, actor, created_at)
       SELECT 'stranded', id, 1 + (SELECT MAX(seq) FROM movements WHERE voucher_id = vouchers.id), 'adjust', 500, 500, 'jv', 'x', '2026-11-23T10:00:00Z' FROM vouchers WHERE id = ?`, cancelled.id);
  run(`UPDATE vouchers SET balance_cents = 500 WHERE id = ?`, cancelled.id);
}

/** Each fault: the SQL that writes it, the CHECK that refuses it (if any), the invariant that sees it. */
const faults: { name: string; write: () => void; check?: RegExp; invariant: string }[] = [
  { name: 'a voucher value of 0', write: () => run(`UPDATE vouchers SET amount_cents = 0, balance_cents = 0, status = 'spent' WHERE id = ?`, spent.id), check: /vouchers_amount_positive/, invariant: 'voucher_value_positive' },
  { name: 'a balance above the value', write: () => run(`UPDATE vouchers SET balance_cents = amount_cents + 1 WHERE id = ?`, replacement.newId), check: /vouchers_balance_within_value/, invariant: 'voucher_balance_within_value' },
  { name: 'a negative balance', write: () => run(`UPDATE vouchers SET balance_cents = -1 WHERE id = ?`, spent.id), check: /vouchers_balance_within_value/, invariant: 'voucher_balance_within_value' },
  { name: 'an unknown status', write: () => run(`UPDATE vouchers SET status = 'lost' WHERE id = ?`, replacement.newId), check: /vouchers_status/, invariant: 'voucher_status_matches_balance' },
  { name: 'a spent voucher with value', write: () => run(`UPDATE vouchers SET status = 'spent' WHERE id = ?`, replacement.newId), check: /vouchers_status_balance/, invariant: 'voucher_status_matches_balance' },
  { name: 'an active voucher at 0', write: () => run(`UPDATE vouchers SET status = 'active' WHERE id = ?`, spent.id), check: /vouchers_status_balance/, invariant: 'voucher_status_matches_balance' },
  { name: 'value stranded on a cancelled voucher (finding 1)', write: () => strand(), check: /vouchers_status_balance/, invariant: 'cancelled_voucher_holds_no_value' },
  { name: 'a redeem movement that adds value', write: () => run(`UPDATE movements SET amount_cents = -amount_cents WHERE voucher_id = ? AND kind = 'redeem'`, spent.id), check: /movements_sign_per_kind/, invariant: 'movement_kind_and_sign' },
  { name: 'an unknown movement kind', write: () => run(`UPDATE movements SET kind = 'gift' WHERE voucher_id = ? AND seq = 2`, spent.id), check: /movements_kind/, invariant: 'movement_kind_and_sign' },
  { name: 'a negative balance after', write: () => run(`UPDATE movements SET balance_after_cents = -1 WHERE voucher_id = ? AND seq = 2`, spent.id), check: /movements_balance_after_not_negative/, invariant: 'movement_chain' },
  { name: 'a movement without its journal', write: () => run(`UPDATE movements SET journal_id = NULL WHERE voucher_id = ? AND seq = 2`, spent.id), invariant: 'movement_has_journal' },
  { name: 'two issue movements', write: () => run(`UPDATE movements SET kind = 'issue', amount_cents = 2000 WHERE voucher_id = ? AND seq = 2`, spent.id), invariant: 'issue_movement_matches_value' },
  { name: 'a replacement whose value differs from the voucher it replaces', write: () => run(`UPDATE vouchers SET amount_cents = amount_cents + 100 WHERE id = ?`, replacement.newId), invariant: 'replacement_carries_predecessor' },
  {
    name: 'a replacement whose opening balance is not what the old code lost',
    write: () => {
      run(`UPDATE movements SET amount_cents = amount_cents + 100, balance_after_cents = balance_after_cents + 100 WHERE voucher_id = ? AND kind = 'issue'`, replacement.newId);
      run(`UPDATE vouchers SET balance_cents = balance_cents + 100 WHERE id = ?`, replacement.newId);
    },
    invariant: 'replacement_carries_predecessor',
  },
  { name: 'a voucher replaced twice', write: () => run(`UPDATE vouchers SET reissued_from = ? WHERE id = ?`, replacement.oldId, spent.id), invariant: 'voucher_replaced_once' },
  { name: 'a redemption of 0', write: () => run(`UPDATE redemptions SET amount_cents = 0 WHERE id = ?`, voided.redemptionId), check: /redemptions_amount_positive/, invariant: 'redemption_amount_and_status' },
  { name: 'an unknown redemption status', write: () => run(`UPDATE redemptions SET status = 'refunded' WHERE id = ?`, voided.redemptionId), check: /redemptions_status/, invariant: 'redemption_amount_and_status' },
  { name: 'a redemption for more than its movement', write: () => run(`UPDATE redemptions SET amount_cents = amount_cents + 1 WHERE id = ?`, voided.redemptionId), invariant: 'redeem_movement_matches_redemption' },
  { name: 'a void movement on a completed redemption', write: () => run(`UPDATE redemptions SET status = 'completed' WHERE id = ?`, voided.redemptionId), invariant: 'void_movement_matches_redemption' },
  {
    name: 'a void credited to another holder’s voucher',
    write: () => run(`UPDATE movements SET voucher_id = ?, seq = 99 WHERE redemption_id = ? AND kind = 'void'`, cancelled.id, voided.redemptionId),
    invariant: 'void_movement_matches_redemption',
  },
  { name: 'a movement pointing at no redemption', write: () => run(`UPDATE movements SET redemption_id = 'nowhere' WHERE voucher_id = ? AND kind = 'redeem'`, spent.id), invariant: 'movement_redemption_exists' },
  { name: 'a negative order fee', write: () => run(`UPDATE orders SET fee_cents = -1 WHERE id = ?`, spent.orderId), check: /orders_amounts_not_negative/, invariant: 'order_amounts_not_negative' },
  { name: 'a negative order total', write: () => run(`UPDATE orders SET total_cents = -1 WHERE id = ?`, spent.orderId), check: /orders_amounts_not_negative/, invariant: 'order_amounts_not_negative' },
  { name: 'a payment of 0', write: () => run(`UPDATE payments SET amount_cents = 0 WHERE order_id = ?`, spent.orderId), check: /payments_amount_positive/, invariant: 'payment_amount_positive' },
  {
    // The trigger of migration 0011 refuses only a missing number: a skipped one is check-ledger's to see.
    name: 'a gap in a journal’s entry numbers (FEC EcritureNum)',
    write: () => {
      run(`INSERT INTO journals (id, kind, description, journal_code, entry_number, created_at)
           SELECT 'gap', 'redemption_void', 'gap', 'EN', last_number + 2, '2026-11-23T10:00:00Z' FROM journal_counters WHERE journal_code = 'EN'`);
      run(`INSERT INTO journal_lines (journal_id, account, amount_cents) VALUES ('gap', 'merchant_payable:x', 1), ('gap', 'voucher_liability', -1)`);
      run(`UPDATE journal_counters SET last_number = last_number + 2 WHERE journal_code = 'EN'`);
    },
    invariant: 'journal_numbers_continuous',
  },
  { name: 'a journal counter ahead of its entries', write: () => run(`UPDATE journal_counters SET last_number = last_number + 1 WHERE journal_code = 'VT'`), invariant: 'journal_counter_matches_entries' },
  {
    name: 'a refund of 0',
    write: () => run(`INSERT INTO refunds (id, order_id, provider, provider_ref, amount_cents, status, actor, created_at) VALUES ('rf', ?, 'demo', 'rf', 0, 'succeeded', 'x', '2026-11-23')`, spent.orderId),
    check: /refunds_amount_positive/,
    invariant: 'refund_amount_positive',
  },
];

describe('the database refuses what the ledger writer never writes', () => {
  it.each(faults.filter((f) => f.check).map((f) => [f.name, f] as const))('%s', (_name, f) => {
    expect(() => db.transaction(() => f.write())).toThrow(f.check!);
    expect(checkLedger(db)).toEqual([]);
  });
});

describe('check-ledger sees each fault written with the constraints off', () => {
  it.each(faults.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    expect(invariants().has(f.invariant)).toBe(false);
    db.sqlite.pragma('ignore_check_constraints = ON');
    try {
      db.transaction(() => f.write());
    } finally {
      db.sqlite.pragma('ignore_check_constraints = OFF');
    }
    expect([...invariants()]).toContain(f.invariant);
  });

  it('counts only live vouchers in the liability: value stranded on a cancelled code shows as a liability gap too', () => {
    db.sqlite.pragma('ignore_check_constraints = ON');
    db.transaction(() => strand());
    db.sqlite.pragma('ignore_check_constraints = OFF');
    // Written behind the ledger writer's back: the report aggregates disagree with the rows too.
    expect([...invariants()].sort()).toEqual([
      'cancelled_voucher_holds_no_value', 'liability_equals_outstanding_balances', 'report_totals:campaign_week_totals', 'report_totals:voucher_balance_totals',
    ]);
  });
});

describe('the ledger writer', () => {
  it('refuses to run outside a transaction (it must hold the write lock)', () => {
    expect(() => changeVoucher(db.db, replacement.newId, { op: 'block', blockReason: 'x' }, { actor: 'x', at: clock.now() })).toThrow(/inside a transaction/);
  });

  it('refuses a movement without a journal, and a balance above the value, writing nothing', () => {
    const before = one(`SELECT COUNT(*) AS n FROM movements`);
    expect(() => db.transaction((tx) => changeVoucher(tx, replacement.newId, { op: 'adjust', deltaCents: 1 }, { actor: 'x', at: clock.now() }))).toThrow(/journal/);
    expect(() => db.transaction((tx) => changeVoucher(tx, replacement.newId, { op: 'void', amountCents: 5_01 }, { actor: 'x', at: clock.now(), journalId: 'j' }))).toThrow(
      expect.objectContaining({ code: 'VOID_EXCEEDS_VALUE' }),
    );
    expect(() => db.transaction((tx) => changeVoucher(tx, cancelled.id, { op: 'void', amountCents: 1 }, { actor: 'x', at: clock.now(), journalId: 'j' }))).toThrow(
      expect.objectContaining({ code: 'VOUCHER_CANCELLED' }),
    );
    expect(one(`SELECT COUNT(*) AS n FROM movements`)).toEqual(before);
    expect(checkLedger(db)).toEqual([]);
  });
});
