/**
 * The status rules of a voucher, as ONE pure function: given the row just re-read inside
 * the transaction, what a change does to it (the movement, the balance after, the status
 * after) or why it is refused. The ledger writer (voucher-ledger.ts) is the only caller
 * that writes; pages and services may call it to know beforehand.
 *
 * Balance rules for every change: 0 ≤ balance ≤ value (amount_cents) after it; statuses:
 * - `active`  balance > 0, spendable until expires_at;
 * - `spent`   balance 0 (a redemption or a downward adjustment emptied it); a void or an
 *             upward adjustment makes it active again;
 * - `blocked` support or a refund in progress holds it; any balance. A support block keeps
 *             voids and adjustments and is emptied by the expiry job after its validity. A
 *             refund hold (`block_reason` `refund:<id>…`) is the refund's alone: until the
 *             provider settles it, nothing else moves the voucher (no void, adjustment,
 *             unblock, reissue or expiry), because the refund was decided on this balance;
 * - `expired` final; balance 0, except after a late void (a redemption made before the
 *             expiry, voided after the run), which the next run sweeps again;
 * - `cancelled` final, balance 0 — refunded, or replaced by a reissue (the claim then lives
 *             on the replacement, see voucher-ledger.ts `liveVoucherFor`).
 */
import type { Voucher, VoucherStatus } from './voucher';

export type MovementKind = 'issue' | 'redeem' | 'void' | 'expire' | 'cancel' | 'adjust';

export type VoucherChange =
  | { op: 'redeem'; amountCents: number }
  | { op: 'void'; amountCents: number }
  | { op: 'expire' }
  | { op: 'adjust'; deltaCents: number }
  /** Support replaces a lost code: the whole balance leaves with a cancel movement. */
  | { op: 'reissue' }
  /** A refund closes the voucher: whatever is left leaves with a cancel movement. */
  | { op: 'refund_cancel' }
  | { op: 'block'; blockReason: string }
  | { op: 'unblock' }
  /** A refund in progress holds the voucher; `blockReason` encodes what to restore. */
  | { op: 'hold'; blockReason: string }
  | { op: 'release'; restore: { status: 'active' } | { status: 'blocked'; blockReason: string | null } };

export type VoucherRefusal =
  | 'cancelled'
  | 'expired'
  | 'blocked'
  | 'not_blocked'
  | 'spent'
  | 'insufficient_balance'
  | 'out_of_bounds'
  | 'not_due'
  | 'bad_amount'
  /** A refund in progress holds it: only the refund may settle or release it. */
  | 'refund_pending'
  /** A void would take the balance above the value (support added value since the redemption). */
  | 'void_exceeds_value';

export type VoucherState = Pick<Voucher, 'amountCents' | 'balanceCents' | 'status' | 'expiresAt' | 'blockReason'>;

export interface Transition {
  ok: true;
  /** The movement to append, or null for a status-only change. */
  movement: { kind: MovementKind; amountCents: number } | null;
  balanceCents: number;
  status: VoucherStatus;
  blockReason: string | null;
}
export type Decision = Transition | { ok: false; reason: VoucherRefusal };

const no = (reason: VoucherRefusal): Decision => ({ ok: false, reason });
/**
 * How a refund in progress marks the vouchers it holds: `refund:<id>` for one that was
 * active, `refund:<id>|<old reason>` for one already blocked (refunds-repository.ts holdTag
 * builds it, the expiry job's SQL skips it).
 */
export const REFUND_HOLD_PREFIX = 'refund:';
export const refundHold = (refundId: string) => `${REFUND_HOLD_PREFIX}${refundId}`;
/** Held by a refund in progress. */
export const heldByRefund = (v: Pick<VoucherState, 'status' | 'blockReason'>) => v.status === 'blocked' && !!v.blockReason?.startsWith(REFUND_HOLD_PREFIX);
const pastValidity = (v: VoucherState, now: Date) => new Date(v.expiresAt) < now;
const positiveCents = (n: number) => Number.isSafeInteger(n) && n > 0;

/** The status a balance move leaves behind: spent at zero, active again above; others keep theirs. */
export function statusAfter(current: VoucherStatus, balance: number): VoucherStatus {
  if (current === 'active' && balance === 0) return 'spent';
  if (current === 'spent' && balance > 0) return 'active';
  return current;
}

function move(v: VoucherState, kind: MovementKind, amountCents: number, status: VoucherStatus, blockReason = v.blockReason): Decision {
  const balance = v.balanceCents + amountCents;
  if (balance < 0) return no('insufficient_balance');
  if (balance > v.amountCents) return no('out_of_bounds');
  return { ok: true, movement: { kind, amountCents }, balanceCents: balance, status, blockReason };
}
const statusOnly = (v: VoucherState, status: VoucherStatus, blockReason: string | null): Decision => ({ ok: true, movement: null, balanceCents: v.balanceCents, status, blockReason });

/** What `change` does to `v` at `now`, or why it may not. Pure. */
export function decideChange(v: VoucherState, change: VoucherChange, now: Date): Decision {
  // The refund will cancel exactly the balance it was asked for: any other change would
  // either pay the same value twice (unblock, reissue, then the refund succeeds) or strand
  // what moved (a void or an expiry in between). A redemption reads « blocked » as always.
  if (heldByRefund(v) && change.op !== 'release' && change.op !== 'refund_cancel' && change.op !== 'redeem') return no('refund_pending');
  switch (change.op) {
    case 'redeem': {
      if (!positiveCents(change.amountCents)) return no('bad_amount');
      if (v.status === 'cancelled') return no('cancelled');
      if (v.status === 'blocked') return no('blocked');
      if (v.status === 'expired' || pastValidity(v, now)) return no('expired');
      if (v.status === 'spent' || v.balanceCents === 0) return no('spent');
      const balance = v.balanceCents - change.amountCents;
      return move(v, 'redeem', -change.amountCents, statusAfter(v.status, balance));
    }
    case 'void': {
      // A cancelled code carries no claim: the caller first follows a reissue to its replacement.
      if (!positiveCents(change.amountCents)) return no('bad_amount');
      if (v.status === 'cancelled') return no('cancelled');
      if (v.balanceCents + change.amountCents > v.amountCents) return no('void_exceeds_value');
      return move(v, 'void', change.amountCents, statusAfter(v.status, v.balanceCents + change.amountCents));
    }
    case 'expire': {
      if (v.status === 'cancelled' || v.status === 'spent') return no(v.status);
      if (!pastValidity(v, now)) return no('not_due');
      if (v.balanceCents === 0) return no('spent');
      return move(v, 'expire', -v.balanceCents, 'expired');
    }
    case 'adjust': {
      if (!Number.isSafeInteger(change.deltaCents) || change.deltaCents === 0) return no('bad_amount');
      if (v.status === 'cancelled') return no('cancelled');
      if (v.status === 'expired' || pastValidity(v, now)) return no('expired');
      const balance = v.balanceCents + change.deltaCents;
      if (balance < 0 || balance > v.amountCents) return no('out_of_bounds');
      return move(v, 'adjust', change.deltaCents, statusAfter(v.status, balance));
    }
    case 'reissue': {
      if (v.status === 'cancelled') return no('cancelled');
      if (v.status === 'expired' || pastValidity(v, now)) return no('expired');
      if (v.status === 'spent' || v.balanceCents === 0) return no('spent');
      return move(v, 'cancel', -v.balanceCents, 'cancelled', v.blockReason);
    }
    case 'refund_cancel': {
      // The refund was decided on this voucher's balance; a voucher already closed is not reopened.
      if (v.status === 'cancelled' || v.status === 'expired') return no(v.status);
      if (v.balanceCents === 0) return statusOnly(v, 'cancelled', v.blockReason);
      return move(v, 'cancel', -v.balanceCents, 'cancelled', v.blockReason);
    }
    case 'block': {
      if (v.status === 'cancelled') return no('cancelled');
      if (v.status === 'expired' || pastValidity(v, now)) return no('expired');
      if (v.status === 'blocked') return no('blocked');
      // A spent voucher has nothing left to protect.
      if (v.status === 'spent' || v.balanceCents === 0) return no('spent');
      return statusOnly(v, 'blocked', change.blockReason);
    }
    case 'unblock':
      if (v.status !== 'blocked') return no('not_blocked');
      return statusOnly(v, v.balanceCents > 0 ? 'active' : 'spent', null);
    case 'hold':
      if (v.status !== 'active' && v.status !== 'blocked') return no(v.status === 'spent' ? 'spent' : v.status);
      return statusOnly(v, 'blocked', change.blockReason);
    case 'release':
      if (v.status !== 'blocked') return no('not_blocked');
      if (change.restore.status === 'blocked') return statusOnly(v, 'blocked', change.restore.blockReason);
      return statusOnly(v, v.balanceCents > 0 ? 'active' : 'spent', null);
  }
}
