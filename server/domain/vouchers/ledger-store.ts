/**
 * What the ledger writer (voucher-ledger.ts) and the report aggregates it keeps
 * (voucher-totals.ts) ask of the database, as steps (db/unit-of-work.ts) so the one writer
 * runs on either backend. Implementations: voucher-ledger-repository.ts (SQLite, prepared
 * statements, steps that never yield) and voucher-ledger-repository-pg.ts (PostgreSQL).
 */
import type { Step } from '../../../db/unit-of-work';
import type { Voucher } from './voucher';
import type { MovementRow, VoucherRow } from './voucher-ledger-repository';
import type { BalanceDelta, BuyerDelta, MerchantDelta, OrderFacts, WeekDelta } from './voucher-totals-repository';

export interface VoucherUpdate {
  id: string;
  balance: number;
  status: string;
  blockReason: string | null;
  wasBalance: number;
  wasStatus: string;
}

export interface LedgerStore {
  /**
   * The voucher, locked until the unit of work ends: SQLite's BEGIN IMMEDIATE already holds
   * the file's write lock; PostgreSQL takes the row's lock (FOR UPDATE) and reads its latest
   * committed version.
   */
  voucherForUpdate(id: string): Step<Voucher | undefined>;
  nextSeq(voucherId: string): Step<number>;
  insertMovement(row: MovementRow): Step<void>;
  /** Conditional on the balance and status as read; false if the row moved (PostgreSQL: checked again in the held statement). */
  updateVoucher(u: VoucherUpdate): Step<boolean>;
  /** The voucher that replaced this one (at most one). */
  successor(id: string): Step<Voucher | undefined>;
  /** The redemption a redeem or void movement belongs to. */
  redemptionFacts(id: string): Step<{ campaignId: string; merchantId: string; createdAt: string } | undefined>;
  addWeek(d: WeekDelta): Step<void>;
  addMerchant(d: MerchantDelta): Step<void>;
  addBalance(d: BalanceDelta): Step<void>;
  /**
   * Decreases: each returns how many rows it changed (1, or a bug to stop on). PostgreSQL
   * holds them to the unit's last statement, which checks the 1 itself (db/pg-write-behind.ts).
   */
  weekRedeemedDown(d: { campaignId: string; week: string; redeemed: number }): Step<number>;
  merchantDown(d: MerchantDelta): Step<number>;
  balanceDown(d: BalanceDelta): Step<number>;
  /** Issuing (issueVouchersSteps): a new voucher row, its order's sale figures, the buyers' aggregate. */
  insertVoucher(v: VoucherRow): Step<void>;
  orderFacts(orderId: string): Step<OrderFacts | undefined>;
  addBuyer(d: BuyerDelta): Step<void>;
}
