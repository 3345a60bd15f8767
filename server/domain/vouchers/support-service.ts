/**
 * Voucher support by operator staff: block / unblock, reissue a lost voucher, adjust a
 * balance. Each action is ONE transaction (BEGIN IMMEDIATE) that re-reads the voucher,
 * decides on that fresh row, and writes the status change, any movement and journal, and
 * the audit entry together: a refused action writes nothing, not even an audit line.
 *
 * How a reissue is booked: the holder's claim does not change, only the piece of paper.
 * - old voucher: a `cancel` movement of −balance (balance 0, status cancelled);
 * - new voucher: amount = balance = the old balance, same campaign, order, order item,
 *   holder, issue date and expiry, `reissued_from` = old id, one `issue` movement;
 * - one `voucher_reissue` journal: voucher_liability debited and credited by the same
 *   amount (net zero), so liability = Σ balances holds and the FEC shows the event;
 * - a reissue is not a sale: check-ledger's sold-cache and "paid order fully issued"
 *   invariants and the liability report count only vouchers with no `reissued_from`,
 *   and the report nets the reissue's cancel against its issue. Campaign caches are
 *   therefore left untouched.
 */
import { eq } from 'drizzle-orm';
import type { Database_, Tx } from '../../../db/client';
import { movements, vouchers } from '../../../db/schema/index';
import type { Clock } from '../../lib/clock';
import { generateCode } from '../../lib/codes';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { audit } from '../audit/audit-log';
import { Accounts } from '../ledger/accounts';
import { postJournal } from '../ledger/ledger-repository';
import { statusAfter } from '../redemptions/redemption';
import type { Voucher } from './voucher';
import { appendMovement, findVoucherById } from './vouchers-repository';

export const BLOCK_REASONS = ['lost', 'stolen', 'other'] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];
export const MAX_NOTE = 500;

export interface SupportDeps {
  database: Database_;
  clock: Clock;
}

/** What the audit log keeps of a voucher before and after an action. */
const snapshot = (v: Pick<Voucher, 'code' | 'status' | 'balanceCents' | 'amountCents' | 'blockReason'>) => ({
  code: v.code, status: v.status, balanceCents: v.balanceCents, amountCents: v.amountCents, blockReason: v.blockReason,
});

const invalid = (field: string, key = 'errors.required') => new AppError('VALIDATION_FAILED', 422, 'errors.validation_failed', { [field]: key });

function load(tx: Tx, id: string): Voucher {
  const v = findVoucherById(tx, id);
  if (!v) throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
  return v;
}

/**
 * Cancelled and expired vouchers are closed: their value already left the books. The date
 * is checked directly because a blocked voucher past its expiry still shows as blocked.
 */
function refuseClosed(v: Voucher, now: Date): void {
  if (v.status === 'cancelled') throw new AppError('VOUCHER_CANCELLED', 409, 'errors.voucher_cancelled');
  if (v.status === 'expired' || new Date(v.expiresAt) < now) throw new AppError('VOUCHER_EXPIRED', 409, 'errors.voucher_expired');
}

/** `lost`, `stolen` or `other: <note>`; a note is required for `other`, optional otherwise. */
export function blockReasonText(reason: BlockReason, note?: string): string {
  const n = (note ?? '').trim().slice(0, MAX_NOTE);
  if (reason === 'other' && !n) throw invalid('note');
  return n ? `${reason}: ${n}` : reason;
}

export function blockVoucher(deps: SupportDeps, input: { voucherId: string; actor: string; reason: BlockReason; note?: string }): Voucher {
  if (!(BLOCK_REASONS as readonly string[]).includes(input.reason)) throw invalid('reason');
  const blockReason = blockReasonText(input.reason, input.note);
  return deps.database.transaction((tx) => {
    const now = deps.clock.now();
    const v = load(tx, input.voucherId);
    refuseClosed(v, now);
    if (v.status === 'blocked') throw new AppError('VOUCHER_BLOCKED', 409, 'errors.voucher_blocked');
    // A spent voucher has nothing left to protect.
    if (v.status === 'spent' || v.balanceCents === 0) throw new AppError('VOUCHER_SPENT', 409, 'errors.voucher_spent');
    tx.update(vouchers).set({ status: 'blocked', blockReason }).where(eq(vouchers.id, v.id)).run();
    const after = { ...v, status: 'blocked' as const, blockReason };
    audit(tx, { actor: input.actor, action: 'voucher_block', entityType: 'voucher', entityId: v.id, before: snapshot(v), after: snapshot(after), reason: blockReason }, now);
    return after;
  });
}

export function unblockVoucher(deps: SupportDeps, input: { voucherId: string; actor: string; note?: string }): Voucher {
  return deps.database.transaction((tx) => {
    const now = deps.clock.now();
    const v = load(tx, input.voucherId);
    if (v.status !== 'blocked') throw new AppError('VOUCHER_NOT_BLOCKED', 409, 'operator.vouchers.errors.not_blocked');
    const status = v.balanceCents > 0 ? ('active' as const) : ('spent' as const);
    tx.update(vouchers).set({ status, blockReason: null }).where(eq(vouchers.id, v.id)).run();
    const after = { ...v, status, blockReason: null };
    audit(tx, { actor: input.actor, action: 'voucher_unblock', entityType: 'voucher', entityId: v.id, before: snapshot(v), after: snapshot(after), reason: input.note?.trim() || null }, now);
    return after;
  });
}

/** Replaces a lost (usually blocked) voucher by a new code carrying its balance. See the top comment. */
export function reissueVoucher(deps: SupportDeps, input: { voucherId: string; actor: string; reason?: string }): { old: Voucher; reissued: Voucher } {
  return deps.database.transaction((tx) => {
    const now = deps.clock.now();
    const at = now.toISOString();
    const v = load(tx, input.voucherId);
    refuseClosed(v, now);
    if (v.status === 'spent' || v.balanceCents === 0) throw new AppError('VOUCHER_SPENT', 409, 'errors.voucher_spent');
    const reason = input.reason?.trim().slice(0, MAX_NOTE) || v.blockReason || null;
    const b = v.balanceCents;
    const code = generateCode();
    const journalId = postJournal(tx, {
      kind: 'voucher_reissue',
      description: `Voucher ${v.code} reissued as ${code}`,
      orderId: v.orderId,
      lines: [
        { account: Accounts.voucherLiability, amountCents: b },
        { account: Accounts.voucherLiability, amountCents: -b },
      ],
    }, now);
    appendMovement(tx, v, { kind: 'cancel', amountCents: -b, journalId, orderId: v.orderId, actor: input.actor, reason, status: 'cancelled' }, at);
    // Same issue date and expiry: the value has been outstanding since the sale (liability
    // ageing) and a reissue must not extend its validity; the reminder already sent stays sent.
    const reissued: Voucher = {
      id: newId(), code, campaignId: v.campaignId, orderId: v.orderId, orderItemId: v.orderItemId, amountCents: b, balanceCents: b, status: 'active',
      recipientName: v.recipientName, recipientEmail: v.recipientEmail, message: v.message, issuedAt: v.issuedAt, expiresAt: v.expiresAt,
      expiryRemindedAt: v.expiryRemindedAt, reissuedFrom: v.id, blockReason: null,
    };
    tx.insert(vouchers).values(reissued).run();
    tx.insert(movements)
      .values({ id: newId(), voucherId: reissued.id, seq: 1, kind: 'issue', amountCents: b, balanceAfterCents: b, journalId, orderId: v.orderId, actor: input.actor, reason, createdAt: at })
      .run();
    const old = { ...v, balanceCents: 0, status: 'cancelled' as const };
    audit(tx, { actor: input.actor, action: 'voucher_reissue', entityType: 'voucher', entityId: v.id, before: snapshot(v), after: { ...snapshot(old), reissuedAs: code, reissuedId: reissued.id }, reason }, now);
    audit(tx, { actor: input.actor, action: 'voucher_reissued_from', entityType: 'voucher', entityId: reissued.id, after: { ...snapshot(reissued), reissuedFrom: v.code }, reason }, now);
    return { old, reissued };
  });
}

/**
 * Moves a balance by ±delta with a mandatory reason: an `adjust` movement and a journal
 * between voucher_liability and support_adjustments. Never below 0 nor above the value
 * (check-ledger's bounds). The campaign caches count sales and redemptions only: untouched.
 */
export function adjustVoucher(deps: SupportDeps, input: { voucherId: string; actor: string; deltaCents: number; reason: string }): Voucher {
  const reason = (input.reason ?? '').trim().slice(0, MAX_NOTE);
  if (!reason) throw invalid('reason');
  if (!Number.isSafeInteger(input.deltaCents) || input.deltaCents === 0) throw invalid('amount', 'errors.amount_cents');
  return deps.database.transaction((tx) => {
    const now = deps.clock.now();
    const v = load(tx, input.voucherId);
    refuseClosed(v, now);
    const balance = v.balanceCents + input.deltaCents;
    if (balance < 0 || balance > v.amountCents) {
      throw new AppError('ADJUSTMENT_OUT_OF_BOUNDS', 422, 'operator.vouchers.errors.adjust_bounds', undefined, { upCents: v.amountCents - v.balanceCents, downCents: v.balanceCents });
    }
    const journalId = postJournal(tx, {
      kind: 'voucher_adjustment',
      description: `Support adjustment of voucher ${v.code}`,
      orderId: v.orderId,
      lines: [
        { account: Accounts.supportAdjustments, amountCents: input.deltaCents },
        { account: Accounts.voucherLiability, amountCents: -input.deltaCents },
      ],
    }, now);
    const status = statusAfter(v.status, balance);
    appendMovement(tx, v, { kind: 'adjust', amountCents: input.deltaCents, journalId, orderId: v.orderId, actor: input.actor, reason, status }, now.toISOString());
    const after = { ...v, balanceCents: balance, status };
    audit(tx, { actor: input.actor, action: 'voucher_adjust', entityType: 'voucher', entityId: v.id, before: snapshot(v), after: { ...snapshot(after), deltaCents: input.deltaCents }, reason }, now);
    return after;
  });
}
