/**
 * THE ledger writer: every change of a voucher's balance or status goes through here —
 * issue (orders, bulk orders, reissues), redeem (the till), void, expire, adjust,
 * block/unblock, the refund's hold/release and its cancellation, the reissue's cancel.
 *
 * For each change, inside the caller's transaction (on SQLite asserted: BEGIN IMMEDIATE
 * holds the write lock, so the row read here is the latest and stays so until COMMIT; on
 * PostgreSQL the read locks the voucher's row, FOR UPDATE, under READ COMMITTED):
 * 1. re-read (and lock) the voucher by id;
 * 2. decide with the pure status rules (voucher-transitions.ts): refuse with a stable code,
 *    or get the movement, the balance after (0 ≤ balance ≤ value) and the status after;
 * 3. append the movement with the next `seq` of the voucher, linked to the caller's
 *    journal (posted in the same transaction: one journal may cover many movements, e.g. an
 *    expiry chunk or a refund) — a movement without a journal is refused;
 * 4. move the balance cache with a CONDITIONAL update (balance and status still as read);
 * 5. move the report aggregates the movement counts in (voucher-totals.ts).
 * The database backs every rule it can (migration 0007): CHECK constraints on amounts,
 * signs per movement kind, bounds and statuses; unique (voucher, seq).
 */
import { sqliteOf, type Tx } from '../../../db/client';
import { runSync, type Step } from '../../../db/unit-of-work';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Voucher } from './voucher';
import type { LedgerStore } from './ledger-store';
import { sqliteLedgerStore, type MovementRow } from './voucher-ledger-repository';
import { decideChange, type MovementKind, type VoucherChange, type VoucherRefusal } from './voucher-transitions';
import { issuedTotals, movementTotals, ordersNotYetIssued } from './voucher-totals';

export interface ChangeContext {
  actor: string;
  at: Date;
  /** The journal this movement belongs to; required whenever the change moves money. */
  journalId?: string | null;
  orderId?: string | null;
  redemptionId?: string | null;
  reason?: string | null;
}

export interface Changed {
  before: Voucher;
  after: Voucher;
  movement: { kind: MovementKind; amountCents: number; seq: number } | null;
}

/** One table from refusal to error, so the same rule reads the same everywhere. */
export function voucherRefusal(reason: VoucherRefusal, v: Pick<Voucher, 'amountCents' | 'balanceCents'>): AppError {
  switch (reason) {
    case 'cancelled':
      return new AppError('VOUCHER_CANCELLED', 409, 'errors.voucher_cancelled');
    case 'expired':
      return new AppError('VOUCHER_EXPIRED', 409, 'errors.voucher_expired');
    case 'blocked':
      return new AppError('VOUCHER_BLOCKED', 409, 'errors.voucher_blocked');
    case 'not_blocked':
      return new AppError('VOUCHER_NOT_BLOCKED', 409, 'operator.vouchers.errors.not_blocked');
    case 'spent':
      return new AppError('VOUCHER_SPENT', 409, 'errors.voucher_spent');
    case 'insufficient_balance':
      return new AppError('INSUFFICIENT_BALANCE', 409, 'errors.insufficient_balance');
    case 'out_of_bounds':
      return new AppError('ADJUSTMENT_OUT_OF_BOUNDS', 422, 'operator.vouchers.errors.adjust_bounds', undefined, { upCents: v.amountCents - v.balanceCents, downCents: v.balanceCents });
    case 'bad_amount':
      return new AppError('VALIDATION_FAILED', 422, 'errors.validation_failed', { amount: 'errors.amount_cents' });
    case 'refund_pending':
      return new AppError('VOUCHER_REFUND_PENDING', 409, 'errors.voucher_refund_pending');
    case 'void_exceeds_value':
      return new AppError('VOID_EXCEEDS_VALUE', 409, 'errors.void_exceeds_value');
    case 'not_due':
      // Only the expiry job expires, and it selects past-validity vouchers: a bug if reached.
      throw new Error('voucher is not past its validity');
  }
}

function locked(sqlite: { inTransaction: boolean }): void {
  if (!sqlite.inTransaction) throw new Error('the ledger writer runs inside a transaction');
}

/** Applies `change` to the voucher `voucherId` in the caller's SQLite transaction (see the top comment). Throws the refusal as an AppError. */
export function changeVoucher(tx: Tx, voucherId: string, change: VoucherChange, ctx: ChangeContext): Changed {
  locked(sqliteOf(tx));
  return runSync(changeVoucherSteps(sqliteLedgerStore(tx), voucherId, change, ctx));
}

/**
 * The writer itself, as steps (db/unit-of-work.ts): `changeVoucher` drives it synchronously on
 * SQLite, the PostgreSQL till with await, in a unit of work that locked nothing else first.
 */
export function* changeVoucherSteps(store: LedgerStore, voucherId: string, change: VoucherChange, ctx: ChangeContext): Step<Changed> {
  const v = yield* store.voucherForUpdate(voucherId);
  if (!v) throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
  const d = decideChange(v, change, ctx.at);
  if (!d.ok) throw voucherRefusal(d.reason, v);
  let movement: Changed['movement'] = null;
  if (d.movement) {
    if (!ctx.journalId) throw new Error(`a ${d.movement.kind} movement needs its journal`);
    const seq = yield* store.nextSeq(v.id);
    const row: MovementRow = {
      id: newId(), voucherId: v.id, seq, kind: d.movement.kind, amountCents: d.movement.amountCents, balanceAfterCents: d.balanceCents,
      journalId: ctx.journalId, orderId: ctx.orderId ?? null, redemptionId: ctx.redemptionId ?? null, actor: ctx.actor, reason: ctx.reason ?? null, createdAt: ctx.at.toISOString(),
    };
    yield* store.insertMovement(row);
    movement = { ...d.movement, seq };
    yield* movementTotals(store, v, d.balanceCents, { kind: d.movement.kind, amountCents: d.movement.amountCents, at: row.createdAt, redemptionId: row.redemptionId });
  }
  const updated = yield* store.updateVoucher({ id: v.id, balance: d.balanceCents, status: d.status, blockReason: d.blockReason, wasBalance: v.balanceCents, wasStatus: v.status });
  if (!updated) throw new Error(`voucher ${v.id} changed under the ledger writer`);
  return { before: v, after: { ...v, balanceCents: d.balanceCents, status: d.status, blockReason: d.blockReason }, movement };
}

export type NewVoucher = Omit<Voucher, 'balanceCents' | 'status' | 'expiryRemindedAt' | 'reissuedFrom' | 'blockReason'> & {
  /** A reissue: the voucher it replaces, and the balance it carries over (≤ its value). */
  reissuedFrom?: string | null;
  openingCents?: number;
  expiryRemindedAt?: string | null;
};

/**
 * The replacement of `v` under a new code (a support reissue, or a refund undone): same
 * value, issue date and expiry — the value has been outstanding since the sale (liability
 * ageing) and a replacement never extends validity; a reminder already sent stays sent —
 * opening with the `openingCents` the cancelled code gave up.
 */
export function replacementFor(v: Voucher, code: string, openingCents: number): NewVoucher {
  return {
    id: newId(), code, campaignId: v.campaignId, orderId: v.orderId, orderItemId: v.orderItemId, amountCents: v.amountCents, openingCents,
    recipientName: v.recipientName, recipientEmail: v.recipientEmail, message: v.message, issuedAt: v.issuedAt, expiresAt: v.expiresAt,
    expiryRemindedAt: v.expiryRemindedAt, reissuedFrom: v.id,
  };
}

/**
 * Issues new vouchers with their `issue` movement (seq 1) in the caller's transaction, under
 * the same guards as changeVoucher: integer value > 0, opening balance 0 < b ≤ value,
 * status active, a journal. Built for bulk orders (10 000 vouchers): two prepared inserts
 * per voucher, no query building (on SQLite the steps run straight through, runSync).
 */
export function issueVouchers(tx: Tx, list: readonly NewVoucher[], ctx: { journalId: string; actor: string; at: Date; reason?: string | null }): Voucher[] {
  locked(sqliteOf(tx));
  return runSync(issueVouchersSteps(sqliteLedgerStore(tx), list, ctx));
}

/** issueVouchers as steps (db/unit-of-work.ts): the same guards and rows on either backend. */
export function* issueVouchersSteps(store: LedgerStore, list: readonly NewVoucher[], ctx: { journalId: string; actor: string; at: Date; reason?: string | null }): Step<Voucher[]> {
  if (!ctx.journalId) throw new Error('issued vouchers need their journal');
  const at = ctx.at.toISOString();
  const out: (Voucher & { openingCents: number })[] = [];
  const firstOf = yield* ordersNotYetIssued(store, list);
  for (const n of list) {
    const opening = n.openingCents ?? n.amountCents;
    if (!Number.isSafeInteger(n.amountCents) || n.amountCents <= 0) throw new Error(`voucher value must be a positive number of cents: ${n.amountCents}`);
    if (!Number.isSafeInteger(opening) || opening <= 0 || opening > n.amountCents) throw new Error(`opening balance ${opening} outside 1…${n.amountCents}`);
    const { openingCents: _o, ...fields } = n;
    const v: Voucher = { ...fields, reissuedFrom: n.reissuedFrom ?? null, expiryRemindedAt: n.expiryRemindedAt ?? null, blockReason: null, balanceCents: opening, status: 'active' };
    yield* store.insertVoucher(v as Voucher & { status: 'active' });
    yield* store.insertMovement({
      id: newId(), voucherId: v.id, seq: 1, kind: 'issue', amountCents: opening, balanceAfterCents: opening, journalId: ctx.journalId,
      orderId: v.orderId, redemptionId: null, actor: ctx.actor, reason: ctx.reason ?? null, createdAt: at,
    });
    out.push({ ...v, openingCents: opening });
  }
  yield* issuedTotals(store, out, at, firstOf);
  return out.map(({ openingCents: _o, ...v }) => v);
}

/**
 * Where a voucher's claim lives now: the voucher itself unless a reissue cancelled it, then
 * its replacement (followed down the chain). A cancelled voucher with no replacement —
 * refunded, or cancelled by the operator — has no live claim: null.
 */
export function* liveVoucherFor(store: LedgerStore, v: Voucher): Step<{ voucher: Voucher; replaced: boolean } | null> {
  let current = v;
  for (let hops = 0; current.status === 'cancelled'; hops++) {
    const next = yield* store.successor(current.id);
    if (!next || hops > 1000) return null;
    current = next;
  }
  return { voucher: current, replaced: current.id !== v.id };
}
