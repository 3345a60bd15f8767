/**
 * Voucher support by operator staff: block / unblock, reissue a lost voucher, adjust a
 * balance. Each action is ONE transaction (BEGIN IMMEDIATE) that re-reads the voucher,
 * decides on that fresh row, and writes the status change, any movement and journal, and
 * the audit entry together: a refused action writes nothing, not even an audit line.
 *
 * How a reissue is booked: the holder's claim does not change, only the piece of paper.
 * - old voucher: a `cancel` movement of −balance (balance 0, status cancelled);
 * - new voucher: the old one's value (amount) and, as its opening balance, the old
 *   balance; same campaign, order, order item, holder, issue date and expiry,
 *   `reissued_from` = old id, one `issue` movement of that balance. Keeping the value lets a
 *   shop's late void of a redemption made on the old code credit the new one (the holder's
 *   claim follows the code) without going above the value;
 * - one `voucher_reissue` journal: voucher_liability debited and credited by the same
 *   amount (net zero), so liability = Σ balances holds and the FEC shows the event;
 * - a reissue is not a sale: check-ledger's sold-cache and "paid order fully issued"
 *   invariants and the liability report count only vouchers with no `reissued_from`,
 *   and the report nets the reissue's cancel against its issue. Campaign caches are
 *   therefore left untouched.
 */
import type { Database_, Tx } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { generateCode } from '../../lib/codes';
import { AppError } from '../../lib/errors';
import { audit } from '../audit/audit-log';
import { Accounts } from '../ledger/accounts';
import { postJournal } from '../ledger/ledger-repository';
import type { Voucher } from './voucher';
import { changeVoucher, issueVouchers, replacementFor, voucherRefusal } from './voucher-ledger';
import { decideChange } from './voucher-transitions';
import { findVoucherById } from './vouchers-repository';

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
    const { after } = changeVoucher(tx, v.id, { op: 'block', blockReason }, { actor: input.actor, at: now });
    audit(tx, { actor: input.actor, action: 'voucher_block', entityType: 'voucher', entityId: v.id, before: snapshot(v), after: snapshot(after), reason: blockReason }, now);
    return after;
  });
}

export function unblockVoucher(deps: SupportDeps, input: { voucherId: string; actor: string; note?: string }): Voucher {
  return deps.database.transaction((tx) => {
    const now = deps.clock.now();
    const v = load(tx, input.voucherId);
    const { after } = changeVoucher(tx, v.id, { op: 'unblock' }, { actor: input.actor, at: now });
    audit(tx, { actor: input.actor, action: 'voucher_unblock', entityType: 'voucher', entityId: v.id, before: snapshot(v), after: snapshot(after), reason: input.note?.trim() || null }, now);
    return after;
  });
}

/** Replaces a lost (usually blocked) voucher by a new code carrying its balance. See the top comment. */
export function reissueVoucher(deps: SupportDeps, input: { voucherId: string; actor: string; reason?: string }): { old: Voucher; reissued: Voucher } {
  return deps.database.transaction((tx) => {
    const now = deps.clock.now();
    const v = load(tx, input.voucherId);
    // Decided before the journal is posted: a refusal writes nothing.
    const d = decideChange(v, { op: 'reissue' }, now);
    if (!d.ok) throw voucherRefusal(d.reason, v);
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
    const ctx = { journalId, orderId: v.orderId, actor: input.actor, reason, at: now };
    changeVoucher(tx, v.id, { op: 'reissue' }, ctx);
    const [reissued] = issueVouchers(tx, [replacementFor(v, code, b)], ctx);
    const old = { ...v, balanceCents: 0, status: 'cancelled' as const };
    audit(tx, { actor: input.actor, action: 'voucher_reissue', entityType: 'voucher', entityId: v.id, before: snapshot(v), after: { ...snapshot(old), reissuedAs: code, reissuedId: reissued!.id }, reason }, now);
    audit(tx, { actor: input.actor, action: 'voucher_reissued_from', entityType: 'voucher', entityId: reissued!.id, after: { ...snapshot(reissued!), reissuedFrom: v.code }, reason }, now);
    return { old, reissued: reissued! };
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
    const d = decideChange(v, { op: 'adjust', deltaCents: input.deltaCents }, now);
    if (!d.ok) throw voucherRefusal(d.reason, v);
    const journalId = postJournal(tx, {
      kind: 'voucher_adjustment',
      description: `Support adjustment of voucher ${v.code}`,
      orderId: v.orderId,
      lines: [
        { account: Accounts.supportAdjustments, amountCents: input.deltaCents },
        { account: Accounts.voucherLiability, amountCents: -input.deltaCents },
      ],
    }, now);
    const { after } = changeVoucher(tx, v.id, { op: 'adjust', deltaCents: input.deltaCents }, { journalId, orderId: v.orderId, actor: input.actor, reason, at: now });
    audit(tx, { actor: input.actor, action: 'voucher_adjust', entityType: 'voucher', entityId: v.id, before: snapshot(v), after: { ...snapshot(after), deltaCents: input.deltaCents }, reason }, now);
    return after;
  });
}
