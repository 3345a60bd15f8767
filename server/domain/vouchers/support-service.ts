/**
 * Voucher support by operator staff: block / unblock, reissue a lost voucher, adjust a
 * balance. Each action is ONE unit of work — steps over a SupportStore (support-store.ts),
 * so one source runs on SQLite (BEGIN IMMEDIATE) and PostgreSQL (READ COMMITTED, the
 * voucher's row locked FOR UPDATE) — that re-reads the voucher, decides on that fresh row,
 * and writes the status change, any movement and journal, and the audit entry together: a
 * refused action writes nothing, not even an audit line.
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
import type { Database_ } from '../../../db/client';
import type { PgDatabase } from '../../../db/postgres-pool';
import { pgUnitOfWork } from '../../../db/pg-write-behind';
import { sqliteUnits, type Units } from '../../../db/store-units';
import { runAsync, type Step } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { generateCode, parseCode } from '../../lib/codes';
import { AppError } from '../../lib/errors';
import { Accounts } from '../ledger/accounts';
import { postJournalSteps } from '../ledger/journal-store';
import { sqliteSupportStore, type SupportStore } from './support-store';
import { pgSupportStore } from './support-store-pg';
import type { Voucher } from './voucher';
import { changeVoucherSteps, issueVouchersSteps, replacementFor, voucherRefusal } from './voucher-ledger';
import { decideChange } from './voucher-transitions';

export const BLOCK_REASONS = ['lost', 'stolen', 'other'] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];
export const MAX_NOTE = 500;

/** Where the actions run: PostgreSQL when `pg` is given (the app on PostgreSQL), else the SQLite database. */
export interface SupportBackend {
  database?: Database_;
  pg?: PgDatabase | null;
}

export interface SupportDeps extends SupportBackend {
  clock: Clock;
}

export function supportUnits(on: SupportBackend): Units<SupportStore> {
  if (on.pg) {
    const pg = on.pg;
    return (work) => pgUnitOfWork(pg, (unit) => runAsync(work(pgSupportStore(unit))));
  }
  if (!on.database) throw new Error('voucher support needs a database');
  return sqliteUnits(on.database, sqliteSupportStore);
}

/** What the audit log keeps of a voucher before and after an action. */
const snapshot = (v: Pick<Voucher, 'code' | 'status' | 'balanceCents' | 'amountCents' | 'blockReason'>) => ({
  code: v.code, status: v.status, balanceCents: v.balanceCents, amountCents: v.amountCents, blockReason: v.blockReason,
});

const invalid = (field: string, key = 'errors.required') => new AppError('VALIDATION_FAILED', 422, 'errors.validation_failed', { [field]: key });

/** The voucher, locked until the unit ends (see support-store.ts). */
function* load(s: SupportStore, id: string): Step<Voucher> {
  const v = yield* s.voucherForUpdate(id);
  if (!v) throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
  return v;
}

/** The voucher a page names by its code (typed or scanned) or its id, on either backend; no lock. */
export function findSupportVoucher(on: SupportBackend, raw: string): Voucher | undefined | Promise<Voucher | undefined> {
  const parsed = parseCode(raw);
  return supportUnits(on)(function* (s) {
    return (parsed.ok ? yield* s.voucherByCode(parsed.code) : undefined) ?? (yield* s.voucherById(raw));
  });
}

/** `lost`, `stolen` or `other: <note>`; a note is required for `other`, optional otherwise. */
export function blockReasonText(reason: BlockReason, note?: string): string {
  const n = (note ?? '').trim().slice(0, MAX_NOTE);
  if (reason === 'other' && !n) throw invalid('note');
  return n ? `${reason}: ${n}` : reason;
}

type BlockInput = { voucherId: string; actor: string; reason: BlockReason; note?: string };
type UnblockInput = { voucherId: string; actor: string; note?: string };
type ReissueInput = { voucherId: string; actor: string; reason?: string };
type AdjustInput = { voucherId: string; actor: string; deltaCents: number; reason: string };
type Reissued = { old: Voucher; reissued: Voucher };

/** On either backend: the value on SQLite, a promise on PostgreSQL. */
export function blockVoucherOn(deps: SupportDeps, input: BlockInput): Voucher | Promise<Voucher> {
  if (!(BLOCK_REASONS as readonly string[]).includes(input.reason)) throw invalid('reason');
  const blockReason = blockReasonText(input.reason, input.note);
  return supportUnits(deps)((s) => blockSteps(s, deps.clock.now(), input.voucherId, input.actor, blockReason));
}

function* blockSteps(s: SupportStore, now: Date, voucherId: string, actor: string, blockReason: string): Step<Voucher> {
  const v = yield* load(s, voucherId);
  const { after } = yield* changeVoucherSteps(s, v.id, { op: 'block', blockReason }, { actor, at: now });
  yield* s.audit({ actor, action: 'voucher_block', entityType: 'voucher', entityId: v.id, before: snapshot(v), after: snapshot(after), reason: blockReason }, now);
  return after;
}

export function unblockVoucherOn(deps: SupportDeps, input: UnblockInput): Voucher | Promise<Voucher> {
  return supportUnits(deps)((s) => unblockSteps(s, deps.clock.now(), input));
}

function* unblockSteps(s: SupportStore, now: Date, input: UnblockInput): Step<Voucher> {
  const v = yield* load(s, input.voucherId);
  const { after } = yield* changeVoucherSteps(s, v.id, { op: 'unblock' }, { actor: input.actor, at: now });
  yield* s.audit({ actor: input.actor, action: 'voucher_unblock', entityType: 'voucher', entityId: v.id, before: snapshot(v), after: snapshot(after), reason: input.note?.trim() || null }, now);
  return after;
}

/** Replaces a lost (usually blocked) voucher by a new code carrying its balance. See the top comment. */
export function reissueVoucherOn(deps: SupportDeps, input: ReissueInput): Reissued | Promise<Reissued> {
  return supportUnits(deps)((s) => reissueSteps(s, deps.clock.now(), input));
}

function* reissueSteps(s: SupportStore, now: Date, input: ReissueInput): Step<Reissued> {
  const v = yield* load(s, input.voucherId);
  // Decided before the journal is posted: a refusal writes nothing.
  const d = decideChange(v, { op: 'reissue' }, now);
  if (!d.ok) throw voucherRefusal(d.reason, v);
  const reason = input.reason?.trim().slice(0, MAX_NOTE) || v.blockReason || null;
  const b = v.balanceCents;
  const code = generateCode();
  const journalId = yield* postJournalSteps(s, {
    kind: 'voucher_reissue',
    description: `Voucher ${v.code} reissued as ${code}`,
    orderId: v.orderId,
    lines: [
      { account: Accounts.voucherLiability, amountCents: b },
      { account: Accounts.voucherLiability, amountCents: -b },
    ],
  }, now);
  const ctx = { journalId, orderId: v.orderId, actor: input.actor, reason, at: now };
  yield* changeVoucherSteps(s, v.id, { op: 'reissue' }, ctx);
  const [reissued] = yield* issueVouchersSteps(s, [replacementFor(v, code, b)], ctx);
  const old = { ...v, balanceCents: 0, status: 'cancelled' as const };
  yield* s.audit({ actor: input.actor, action: 'voucher_reissue', entityType: 'voucher', entityId: v.id, before: snapshot(v), after: { ...snapshot(old), reissuedAs: code, reissuedId: reissued!.id }, reason }, now);
  yield* s.audit({ actor: input.actor, action: 'voucher_reissued_from', entityType: 'voucher', entityId: reissued!.id, after: { ...snapshot(reissued!), reissuedFrom: v.code }, reason }, now);
  return { old, reissued: reissued! };
}

/**
 * Moves a balance by ±delta with a mandatory reason: an `adjust` movement and a journal
 * between voucher_liability and support_adjustments. Never below 0 nor above the value
 * (check-ledger's bounds). The campaign caches count sales and redemptions only: untouched.
 */
export function adjustVoucherOn(deps: SupportDeps, input: AdjustInput): Voucher | Promise<Voucher> {
  const reason = (input.reason ?? '').trim().slice(0, MAX_NOTE);
  if (!reason) throw invalid('reason');
  if (!Number.isSafeInteger(input.deltaCents) || input.deltaCents === 0) throw invalid('amount', 'errors.amount_cents');
  return supportUnits(deps)((s) => adjustSteps(s, deps.clock.now(), { ...input, reason }));
}

function* adjustSteps(s: SupportStore, now: Date, input: AdjustInput): Step<Voucher> {
  const v = yield* load(s, input.voucherId);
  const d = decideChange(v, { op: 'adjust', deltaCents: input.deltaCents }, now);
  if (!d.ok) throw voucherRefusal(d.reason, v);
  const journalId = yield* postJournalSteps(s, {
    kind: 'voucher_adjustment',
    description: `Support adjustment of voucher ${v.code}`,
    orderId: v.orderId,
    lines: [
      { account: Accounts.supportAdjustments, amountCents: input.deltaCents },
      { account: Accounts.voucherLiability, amountCents: -input.deltaCents },
    ],
  }, now);
  const { after } = yield* changeVoucherSteps(s, v.id, { op: 'adjust', deltaCents: input.deltaCents }, { journalId, orderId: v.orderId, actor: input.actor, reason: input.reason, at: now });
  yield* s.audit({ actor: input.actor, action: 'voucher_adjust', entityType: 'voucher', entityId: v.id, before: snapshot(v), after: { ...snapshot(after), deltaCents: input.deltaCents }, reason: input.reason }, now);
  return after;
}

/* The SQLite app's synchronous calls (the same steps, one BEGIN IMMEDIATE each). */
type OnSqlite = { database: Database_; clock: Clock };
const sqliteOnly = (deps: OnSqlite): SupportDeps => ({ database: deps.database, clock: deps.clock });
export const blockVoucher = (deps: OnSqlite, input: BlockInput): Voucher => blockVoucherOn(sqliteOnly(deps), input) as Voucher;
export const unblockVoucher = (deps: OnSqlite, input: UnblockInput): Voucher => unblockVoucherOn(sqliteOnly(deps), input) as Voucher;
export const reissueVoucher = (deps: OnSqlite, input: ReissueInput): Reissued => reissueVoucherOn(sqliteOnly(deps), input) as Reissued;
export const adjustVoucher = (deps: OnSqlite, input: AdjustInput): Voucher => adjustVoucherOn(sqliteOnly(deps), input) as Voucher;
