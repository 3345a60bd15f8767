import type { redemptions } from '../../../db/schema/index';
import { effectiveStatus, type Voucher } from '../vouchers/voucher';

export type Redemption = typeof redemptions.$inferSelect;

export type RedeemRefusal = 'cancelled' | 'blocked' | 'expired' | 'spent' | 'not_accepted_here' | 'insufficient_balance';

/**
 * Whether this shop may take `amount` from this voucher now. Pure: the service calls it
 * inside the transaction, on the row it has just re-read.
 */
export function checkRedeemable(
  v: Pick<Voucher, 'status' | 'balanceCents' | 'expiresAt'>,
  acceptedHere: boolean,
  amountCents: number,
  now: Date,
): { ok: true } | { ok: false; reason: RedeemRefusal } {
  const status = effectiveStatus(v, now);
  if (status === 'cancelled') return { ok: false, reason: 'cancelled' };
  if (status === 'blocked') return { ok: false, reason: 'blocked' };
  if (status === 'expired') return { ok: false, reason: 'expired' };
  if (status === 'spent' || v.balanceCents === 0) return { ok: false, reason: 'spent' };
  if (!acceptedHere) return { ok: false, reason: 'not_accepted_here' };
  if (amountCents > v.balanceCents) return { ok: false, reason: 'insufficient_balance' };
  return { ok: true };
}

export type VoidRefusal = 'window_passed' | 'settled';

/**
 * A completed redemption can be voided by its shop within the window, and never once a
 * statement has paid it: the settlement's cut-off normally lies past every open window,
 * but the lock holds even for a cut-off set at "now".
 */
export function checkVoidable(r: Pick<Redemption, 'createdAt' | 'statementId'>, now: Date, windowMinutes: number): { ok: true } | { ok: false; reason: VoidRefusal } {
  if (r.statementId) return { ok: false, reason: 'settled' };
  if (now.getTime() - new Date(r.createdAt).getTime() > windowMinutes * 60_000) return { ok: false, reason: 'window_passed' };
  return { ok: true };
}

/** The voucher status after its balance moved (the ledger's rule, re-exported for callers here). */
export { statusAfter } from '../vouchers/voucher-transitions';
