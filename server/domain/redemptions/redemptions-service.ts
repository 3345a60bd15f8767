import type { Database_ } from '../../../db/client';
import { parseCode } from '../../lib/codes';
import type { Clock } from '../../lib/clock';
import { AppError, assertNever } from '../../lib/errors';
import { newId, sha256 } from '../../lib/ids';
import { RunAgain, runSync, type Step } from '../../../db/unit-of-work';
import { postJournalSteps } from '../ledger/journal-store';
import { effectiveStatus, type Voucher } from '../vouchers/voucher';
import { changeVoucherSteps, liveVoucherFor } from '../vouchers/voucher-ledger';
import { checkRedeemable, checkVoidable, type RedeemRefusal, type Redemption } from './redemption';
import { redemptionStatements, sqliteTillStore } from './redemption-statements';
import { Accounts, assertBalanced } from '../ledger/accounts';
import type { NewRedemption, TillStore } from './till-store';

export interface RedemptionsDeps {
  database: Database_;
  clock: Clock;
  voidWindowMinutes: number;
}

/** Parses a typed or scanned code: a QR payload (…/v/CODE) or the code itself. */
export function normaliseCodeInput(input: string): string {
  const m = /\/v\/([^/?#]+)\/?(?:[?#].*)?$/.exec(input.trim());
  let raw = input;
  if (m) {
    try {
      raw = decodeURIComponent(m[1]!);
    } catch {
      throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
    }
  }
  const parsed = parseCode(raw);
  if (!parsed.ok) {
    throw parsed.reason === 'bad_check'
      ? new AppError('INVALID_CODE', 422, 'errors.invalid_code')
      : new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
  }
  return parsed.code;
}

export function voucherForShop(deps: Pick<RedemptionsDeps, 'database' | 'clock'>, merchantId: string, input: string) {
  const code = normaliseCodeInput(input);
  const st = redemptionStatements(deps.database);
  const v = st.voucherByCode.get(code);
  return shopVoucherView(v, v && st.campaignLabel.get(v.campaignId)!, v && st.accepts.get(merchantId, v.campaignId)?.status, deps.clock.now());
}

/** What the till's lookup answers, from the voucher, its campaign and this shop's status in it (none: not a shop of the campaign); both backends. */
export function shopVoucherView(v: Voucher | undefined, campaign: { slug: string; name: string } | undefined, shopStatus: string | undefined | null, now: Date) {
  if (!v || !campaign) throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
  return { voucher: v, campaign, acceptedHere: shopStatus === 'approved', status: effectiveStatus(v, now) };
}

const REFUSALS: Record<RedeemRefusal, () => AppError> = {
  cancelled: () => new AppError('VOUCHER_CANCELLED', 409, 'errors.voucher_cancelled'),
  blocked: () => new AppError('VOUCHER_BLOCKED', 409, 'errors.voucher_blocked'),
  expired: () => new AppError('VOUCHER_EXPIRED', 409, 'errors.voucher_expired'),
  spent: () => new AppError('INSUFFICIENT_BALANCE', 409, 'errors.voucher_spent'),
  not_accepted_here: () => new AppError('NOT_ACCEPTED_HERE', 403, 'errors.not_accepted_here'),
  insufficient_balance: () => new AppError('INSUFFICIENT_BALANCE', 409, 'errors.insufficient_balance'),
};

export interface RedeemInput {
  merchantId: string;
  actor: string;
  code: string;
  amountCents: number;
  idempotencyKey: string;
}

export interface RedemptionResult {
  replayed: boolean;
  redemption: Redemption;
  voucher: { code: string; balanceCents: number; status: Voucher['status'] };
  /** A void on a reissued code: the amount went back to its replacement (not disclosed). */
  creditedTo?: 'replacement';
}

/**
 * Where the till's money paths run, as the POS routes see them: on SQLite (`sqliteTill`,
 * below) or on PostgreSQL (`postgresTill`, till-postgres.ts). Both drive the same steps.
 */
export interface Till {
  redeem(input: RedeemInput): Promise<RedemptionResult>;
  voidRedemption(input: VoidInput): Promise<RedemptionResult>;
}

export interface VoidInput {
  merchantId: string;
  actor: string;
  redemptionId: string;
}

/**
 * Takes an amount from a voucher on SQLite: one BEGIN IMMEDIATE transaction (shared with
 * the calls queued in the same event-loop turn: group commit, see
 * Database_.batchedTransaction) runs `redeemSteps` straight through. The write lock
 * serialises every redemption on the file — across processes — so a voucher never goes
 * below zero.
 */
export function redeem(deps: RedemptionsDeps, input: RedeemInput): Promise<RedemptionResult> {
  const request = redeemRequest(input);
  const store = sqliteTillStore(deps.database);
  return deps.database.batchedTransaction(() => runSync(redeemSteps(store, deps.clock, request)));
}

/** Undoes a redemption on SQLite, in one BEGIN IMMEDIATE transaction (see voidSteps). */
export function voidRedemption(deps: RedemptionsDeps, input: VoidInput): RedemptionResult {
  return deps.database.transaction(() => runSync(voidSteps(sqliteTillStore(deps.database), deps.clock, deps.voidWindowMinutes, input)));
}

export function sqliteTill(deps: RedemptionsDeps): Till {
  return {
    redeem: async (input) => redeem(deps, input),
    voidRedemption: async (input) => voidRedemption(deps, input),
  };
}

export interface RedeemRequest extends RedeemInput {
  /** The normalised code, and the request's fingerprint (a key reused for another request is refused). */
  normalisedCode: string;
  fingerprint: string;
}

/** Parses the code and fingerprints the request, before any unit of work. */
export function redeemRequest(input: RedeemInput): RedeemRequest {
  const code = normaliseCodeInput(input.code);
  return { ...input, normalisedCode: code, fingerprint: sha256(`${code}|${input.amountCents}`) };
}

/**
 * A redemption, as steps run in one unit of work: the idempotency lookup, then read (and
 * lock) the voucher and the shop's acceptance (one store step), check, then write the
 * redemption, the movement and the voucher's balance (ledger writer), the progress cache
 * and, last, the journal. The (shop, idempotencyKey) unique key makes a retry return the
 * original result, found by that key, not by a scan; the same key for another request is
 * refused. The journal goes last: its number comes from the accounting journal's counter
 * row, which every till shares (nothing refers to the journal but its lines and by id). On
 * PostgreSQL the writes after the redemption's insert are held and sent with COMMIT in one
 * message (till-store-pg.ts), so the shared rows are locked for the server's time only.
 */
export function* redeemSteps(store: TillStore, clock: Clock, input: RedeemRequest): Step<RedemptionResult> {
  const now = clock.now();
  const at = now.toISOString();
  const code = input.normalisedCode;
  const { previous, voucher: v, accepted } = yield* store.openRedemption(input.merchantId, input.idempotencyKey, code);
  if (previous) {
    if (previous.requestFingerprint !== input.fingerprint) throw new AppError('IDEMPOTENCY_KEY_REUSED', 409, 'errors.idempotency_key_reused');
    const balance = yield* store.balanceAfter(previous.voucherId, previous.id);
    // The original answer, even if the redemption was voided since.
    const original = { ...previous, status: 'completed' as const, voidedAt: null, voidedBy: null, voidJournalId: null };
    return { replayed: true, redemption: original, voucher: { code, balanceCents: balance, status: balance === 0 ? 'spent' : 'active' } };
  }
  if (!v) throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
  const check = checkRedeemable(v, accepted, input.amountCents, now);
  if (!check.ok) throw REFUSALS[check.reason]();

  const id = newId();
  const journalId = newId();
  const lines = [
    { account: Accounts.voucherLiability, amountCents: input.amountCents },
    { account: Accounts.merchantPayable(input.merchantId), amountCents: -input.amountCents },
  ];
  assertBalanced(lines);
  const row: NewRedemption = {
    id,
    merchantId: input.merchantId,
    voucherId: v.id,
    campaignId: v.campaignId,
    amountCents: input.amountCents,
    status: 'completed',
    idempotencyKey: input.idempotencyKey,
    requestFingerprint: input.fingerprint,
    actor: input.actor,
    journalId,
    createdAt: at,
    voidedAt: null,
    voidedBy: null,
    voidJournalId: null,
    statementId: null,
  };
  const number = yield* store.insertRedemption(row);
  // Another unit of work took this key after our lookup (PostgreSQL): run again, and answer as a retry.
  if (number === null) throw new RunAgain(`idempotency key of shop ${input.merchantId} taken concurrently`);
  // The ledger writer re-reads the voucher and applies the same rules again: checkRedeemable
  // above only chooses the till's words (and its order of refusals).
  const { after } = yield* changeVoucherSteps(store, v.id, { op: 'redeem', amountCents: input.amountCents }, { journalId, redemptionId: id, actor: input.actor, at: now });
  yield* store.addRedeemed(v.campaignId, input.amountCents);
  yield* postJournalSteps(store, { kind: 'redemption', description: `Redemption ${id} of voucher ${code.slice(0, 4)}…`, lines }, now, journalId);
  return { replayed: false, redemption: { ...row, number }, voucher: { code, balanceCents: after.balanceCents, status: after.status } };
}

/**
 * Undoes a redemption of this shop within the void window: reversing journal, a `void`
 * movement that gives the balance back, progress cache. Voiding twice is harmless (the
 * second call returns the voided redemption). Another shop's id is not found.
 * The amount goes back to where the holder's claim lives now: the voucher itself, or its
 * replacement after a reissue (the answer then says `creditedTo: 'replacement'` and shows
 * the redeemed code only). A voucher cancelled by a refund or the operator has no claim
 * left: VOUCHER_CANCELLED, nothing changes, the shop keeps the sale.
 * Locks, in order: the redemption, its voucher, (the replacement,) the counter row last —
 * the redemption path's order after its first lock, so the two never deadlock each other.
 */
export function* voidSteps(store: TillStore, clock: Clock, voidWindowMinutes: number, input: VoidInput): Step<RedemptionResult> {
  const now = clock.now();
  const r = yield* store.shopRedemptionForUpdate(input.merchantId, input.redemptionId);
  if (!r) throw new AppError('REDEMPTION_NOT_FOUND', 404, 'errors.redemption_not_found');
  const v = (yield* store.voucherForUpdate(r.voucherId))!;
  if (r.status === 'voided') return { replayed: true, redemption: r, voucher: { code: v.code, balanceCents: v.balanceCents, status: v.status } };
  const check = checkVoidable(r, now, voidWindowMinutes);
  if (!check.ok) {
    if (check.reason === 'window_passed') throw new AppError('VOID_WINDOW_PASSED', 409, 'errors.void_window_passed', undefined, { minutes: voidWindowMinutes });
    if (check.reason === 'settled') throw new AppError('REDEMPTION_SETTLED', 409, 'errors.redemption_settled');
    assertNever(check.reason);
  }
  const live = yield* liveVoucherFor(store, v);
  if (!live) throw new AppError('VOUCHER_CANCELLED', 409, 'till.void_cancelled');
  const target = live.voucher;
  const journalId = newId();
  const at = now.toISOString();
  if (!(yield* store.markVoided(r.id, at, input.actor, journalId))) throw new Error(`redemption ${r.id} changed under its void`);
  const { after } = yield* changeVoucherSteps(store, target.id, { op: 'void', amountCents: r.amountCents }, { journalId, redemptionId: r.id, actor: input.actor, at: now });
  yield* store.addRedeemed(r.campaignId, -r.amountCents);
  // Voids are rare (unlike redemptions, which the redemptions table itself records).
  yield* store.audit({
    actor: input.actor, action: 'redemption_void', entityType: 'redemption', entityId: r.id,
    before: { status: r.status, number: r.number, amountCents: r.amountCents, balanceCents: target.balanceCents, voucherStatus: target.status },
    after: { status: 'voided', balanceCents: after.balanceCents, voucherStatus: after.status, ...(live.replaced ? { creditedVoucherId: target.id } : {}) },
  }, now);
  yield* postJournalSteps(store, {
    kind: 'redemption_void',
    description: `Void of redemption ${r.number}`,
    lines: [
      { account: Accounts.merchantPayable(r.merchantId), amountCents: r.amountCents },
      { account: Accounts.voucherLiability, amountCents: -r.amountCents },
    ],
  }, now, journalId);
  const redemption = { ...r, status: 'voided' as const, voidedAt: at, voidedBy: input.actor, voidJournalId: journalId };
  // The shop sees the code it redeemed, never the replacement's (a bearer code).
  if (live.replaced) return { replayed: false, redemption, voucher: { code: v.code, balanceCents: v.balanceCents, status: v.status }, creditedTo: 'replacement' };
  return { replayed: false, redemption, voucher: { code: v.code, balanceCents: after.balanceCents, status: after.status } };
}
