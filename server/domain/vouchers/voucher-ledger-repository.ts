/**
 * The ledger writer's SQL, prepared once per connection: the till runs it on every
 * redemption and a bulk order on 10 000 vouchers, where building queries through the query
 * builder would cost more than the writes (see redemption-statements.ts). Only
 * voucher-ledger.ts uses these; nothing else writes `movements` or a voucher's balance/status.
 */
import type Database from 'better-sqlite3';
import { sqliteOf, type Tx } from '../../../db/client';
import { done } from '../../../db/unit-of-work';
import type { LedgerStore } from './ledger-store';
import { totalsStatements } from './voucher-totals-repository';
import type { Voucher } from './voucher';
import { VOUCHER_COLUMNS } from './vouchers-repository';

export interface MovementRow {
  id: string;
  voucherId: string;
  seq: number;
  kind: string;
  amountCents: number;
  balanceAfterCents: number;
  journalId: string | null;
  orderId: string | null;
  redemptionId: string | null;
  actor: string;
  reason: string | null;
  createdAt: string;
}

export interface VoucherRow extends Omit<Voucher, 'status'> {
  status: 'active';
}

function build(s: Database.Database) {
  return {
    byId: s.prepare<[string], Voucher>(`SELECT ${VOUCHER_COLUMNS} FROM vouchers WHERE id = ?`),
    nextSeq: s.prepare<[string], { n: number }>(`SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM movements WHERE voucher_id = ?`),
    insertMovement: s.prepare<[MovementRow]>(
      `INSERT INTO movements (id, voucher_id, seq, kind, amount_cents, balance_after_cents, journal_id, order_id, redemption_id, actor, reason, created_at)
       VALUES (@id, @voucherId, @seq, @kind, @amountCents, @balanceAfterCents, @journalId, @orderId, @redemptionId, @actor, @reason, @createdAt)`,
    ),
    // Conditional: the row must still be what the writer decided on. Under BEGIN IMMEDIATE
    // it always is; the condition is what keeps a lost update impossible on a backend
    // (or a future caller) that does not serialise writers.
    update: s.prepare<[{ id: string; balance: number; status: string; blockReason: string | null; wasBalance: number; wasStatus: string }]>(
      `UPDATE vouchers SET balance_cents = @balance, status = @status, block_reason = @blockReason
       WHERE id = @id AND balance_cents = @wasBalance AND status = @wasStatus`,
    ),
    insertVoucher: s.prepare<[VoucherRow]>(
      `INSERT INTO vouchers (id, code, campaign_id, order_id, order_item_id, amount_cents, balance_cents, status, recipient_name, recipient_email, message,
         issued_at, expires_at, expiry_reminded_at, reissued_from, block_reason)
       VALUES (@id, @code, @campaignId, @orderId, @orderItemId, @amountCents, @balanceCents, @status, @recipientName, @recipientEmail, @message,
         @issuedAt, @expiresAt, @expiryRemindedAt, @reissuedFrom, @blockReason)`,
    ),
    /** The voucher that replaced this one (vouchers_reissued_from_idx); at most one. */
    successor: s.prepare<[string], Voucher>(`SELECT ${VOUCHER_COLUMNS} FROM vouchers WHERE reissued_from = ?`),
  };
}

export type LedgerStatements = ReturnType<typeof build>;
const cache = new WeakMap<Database.Database, LedgerStatements>();

export function ledgerStatements(tx: Tx): { sqlite: Database.Database; st: LedgerStatements } {
  const sqlite = sqliteOf(tx);
  let st = cache.get(sqlite);
  if (!st) cache.set(sqlite, (st = build(sqlite)));
  return { sqlite, st };
}

const stores = new WeakMap<Database.Database, LedgerStore>();

/**
 * The ledger writer's store on SQLite: the prepared statements above (and the aggregates'),
 * each step resolved at once. Made once per connection; valid inside its transactions only.
 */
export function sqliteLedgerStore(tx: Tx): LedgerStore {
  const sqlite = sqliteOf(tx);
  let store = stores.get(sqlite);
  if (store) return store;
  const { st } = ledgerStatements(tx);
  const t = totalsStatements(tx);
  store = {
    voucherForUpdate: (id) => done(st.byId.get(id)),
    nextSeq: (id) => done(st.nextSeq.get(id)!.n),
    insertMovement: (row) => done(void st.insertMovement.run(row)),
    updateVoucher: (u) => done(st.update.run(u).changes === 1),
    successor: (id) => done(st.successor.get(id)),
    redemptionFacts: (id) => done(t.redemption.get(id)),
    addWeek: (d) => done(void t.week.run(d)),
    addMerchant: (d) => done(void t.merchant.run(d)),
    addBalance: (d) => done(void t.balance.run(d)),
    weekRedeemedDown: (d) => done(t.weekRedeemedDown.run(d).changes),
    merchantDown: (d) => done(t.merchantDown.run(d).changes),
    balanceDown: (d) => done(t.balanceDown.run(d).changes),
    insertVoucher: (v) => done(void st.insertVoucher.run(v)),
    orderFacts: (id) => done(t.order.get(id)),
    addBuyer: (d) => done(void t.buyer.run(d)),
  };
  stores.set(sqlite, store);
  return store;
}
