import type { Database_ } from '../../../db/client';
import { parseCode } from '../../lib/codes';
import type { Clock } from '../../lib/clock';
import { AppError, assertNever } from '../../lib/errors';
import { newId, sha256 } from '../../lib/ids';
import { audit } from '../audit/audit-log';
import { addToCampaignTotals } from '../campaigns/campaigns-repository';
import { journalCodeOf } from '../ledger/journal-codes';
import { postJournal } from '../ledger/ledger-repository';
import { effectiveStatus, type Voucher } from '../vouchers/voucher';
import { changeVoucher, liveVoucherFor } from '../vouchers/voucher-ledger';
import { findVoucherById } from '../vouchers/vouchers-repository';
import { checkRedeemable, checkVoidable, type RedeemRefusal, type Redemption } from './redemption';
import { redemptionStatements } from './redemption-statements';
import { Accounts, assertBalanced } from '../ledger/accounts';
import { findShopRedemption, markVoided } from './redemptions-repository';

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
  if (!v) throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
  const campaign = st.campaignLabel.get(v.campaignId)!;
  return { voucher: v, campaign, acceptedHere: st.accepts.get(merchantId, v.campaignId)?.status === 'approved', status: effectiveStatus(v, deps.clock.now()) };
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
 * Takes an amount from a voucher: one BEGIN IMMEDIATE transaction that re-reads the
 * voucher, checks, writes the journal, the movement, the redemption and the progress
 * cache. The write lock serialises every redemption on the file — across processes — so
 * a voucher never goes below zero. The (shop, idempotencyKey) row makes a retry return
 * the original result; the same key for another request is refused. Concurrent calls
 * share one commit (group commit, see Database_.batchedTransaction).
 */
export function redeem(deps: RedemptionsDeps, input: RedeemInput): Promise<RedemptionResult> {
  const code = normaliseCodeInput(input.code);
  const fingerprint = sha256(`${code}|${input.amountCents}`);
  const st = redemptionStatements(deps.database);
  return deps.database.batchedTransaction((tx): RedemptionResult => {
    const now = deps.clock.now();
    const at = now.toISOString();
    const previous = st.redemptionByKey.get(input.merchantId, input.idempotencyKey);
    if (previous) {
      if (previous.requestFingerprint !== fingerprint) throw new AppError('IDEMPOTENCY_KEY_REUSED', 409, 'errors.idempotency_key_reused');
      const balance = st.balanceAfter.get(previous.voucherId, previous.id)!.b;
      // The original answer, even if the redemption was voided since.
      const original = { ...previous, status: 'completed' as const, voidedAt: null, voidedBy: null, voidJournalId: null };
      return { replayed: true, redemption: original, voucher: { code, balanceCents: balance, status: balance === 0 ? 'spent' : 'active' } };
    }
    const v = st.voucherByCode.get(code);
    if (!v) throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
    const accepted = st.accepts.get(input.merchantId, v.campaignId)?.status === 'approved';
    const check = checkRedeemable(v, accepted, input.amountCents, now);
    if (!check.ok) throw REFUSALS[check.reason]();

    const id = newId();
    const journalId = newId();
    const lines = [
      { account: Accounts.voucherLiability, amountCents: input.amountCents },
      { account: Accounts.merchantPayable(input.merchantId), amountCents: -input.amountCents },
    ];
    assertBalanced(lines);
    const journalCode = journalCodeOf('redemption');
    st.insertJournal.run({ id: journalId, kind: 'redemption', description: `Redemption ${id} of voucher ${code.slice(0, 4)}…`, createdAt: at, journalCode, entryNumber: st.nextEntryNumber.get(journalCode)!.n });
    for (const l of lines) st.insertLine.run(journalId, l.account, l.amountCents);
    const redemption: Redemption = {
      id,
      number: st.nextNumber.get()!.n,
      merchantId: input.merchantId,
      voucherId: v.id,
      campaignId: v.campaignId,
      amountCents: input.amountCents,
      status: 'completed',
      idempotencyKey: input.idempotencyKey,
      requestFingerprint: fingerprint,
      actor: input.actor,
      journalId,
      createdAt: at,
      voidedAt: null,
      voidedBy: null,
      voidJournalId: null,
      statementId: null,
    };
    st.insertRedemption.run(redemption);
    // The ledger writer re-reads the voucher and applies the same rules again: checkRedeemable
    // above only chooses the till's words (and its order of refusals).
    const { after } = changeVoucher(tx, v.id, { op: 'redeem', amountCents: input.amountCents }, { journalId, redemptionId: id, actor: input.actor, at: now });
    st.addRedeemed.run(input.amountCents, v.campaignId);
    return { replayed: false, redemption, voucher: { code, balanceCents: after.balanceCents, status: after.status } };
  });
}

/**
 * Undoes a redemption of this shop within the void window: reversing journal, a `void`
 * movement that gives the balance back, progress cache. Voiding twice is harmless (the
 * second call returns the voided redemption). Another shop's id is not found.
 * The amount goes back to where the holder's claim lives now: the voucher itself, or its
 * replacement after a reissue (the answer then says `creditedTo: 'replacement'` and shows
 * the redeemed code only). A voucher cancelled by a refund or the operator has no claim
 * left: VOUCHER_CANCELLED, nothing changes, the shop keeps the sale.
 */
export function voidRedemption(deps: RedemptionsDeps, input: { merchantId: string; actor: string; redemptionId: string }): RedemptionResult {
  return deps.database.transaction((tx) => {
    const now = deps.clock.now();
    const r = findShopRedemption(tx, input.merchantId, input.redemptionId);
    if (!r) throw new AppError('REDEMPTION_NOT_FOUND', 404, 'errors.redemption_not_found');
    const v = findVoucherById(tx, r.voucherId)!;
    if (r.status === 'voided') return { replayed: true, redemption: r, voucher: { code: v.code, balanceCents: v.balanceCents, status: v.status } };
    const check = checkVoidable(r, now, deps.voidWindowMinutes);
    if (!check.ok) {
      if (check.reason === 'window_passed') throw new AppError('VOID_WINDOW_PASSED', 409, 'errors.void_window_passed', undefined, { minutes: deps.voidWindowMinutes });
      if (check.reason === 'settled') throw new AppError('REDEMPTION_SETTLED', 409, 'errors.redemption_settled');
      assertNever(check.reason);
    }
    const live = liveVoucherFor(tx, v);
    if (!live) throw new AppError('VOUCHER_CANCELLED', 409, 'till.void_cancelled');
    const target = live.voucher;
    const journalId = postJournal(
      tx,
      {
        kind: 'redemption_void',
        description: `Void of redemption ${r.number}`,
        lines: [
          { account: Accounts.merchantPayable(r.merchantId), amountCents: r.amountCents },
          { account: Accounts.voucherLiability, amountCents: -r.amountCents },
        ],
      },
      now,
    );
    const at = now.toISOString();
    if (!markVoided(tx, r.id, at, input.actor, journalId)) throw new Error(`redemption ${r.id} changed under its void`);
    const { after } = changeVoucher(tx, target.id, { op: 'void', amountCents: r.amountCents }, { journalId, redemptionId: r.id, actor: input.actor, at: now });
    addToCampaignTotals(tx, r.campaignId, { redeemedCents: -r.amountCents });
    // Voids are rare (unlike redemptions, which the redemptions table itself records).
    audit(tx, {
      actor: input.actor, action: 'redemption_void', entityType: 'redemption', entityId: r.id,
      before: { status: r.status, number: r.number, amountCents: r.amountCents, balanceCents: target.balanceCents, voucherStatus: target.status },
      after: { status: 'voided', balanceCents: after.balanceCents, voucherStatus: after.status, ...(live.replaced ? { creditedVoucherId: target.id } : {}) },
    }, now);
    const redemption = { ...r, status: 'voided' as const, voidedAt: at, voidedBy: input.actor, voidJournalId: journalId };
    // The shop sees the code it redeemed, never the replacement's (a bearer code).
    if (live.replaced) return { replayed: false, redemption, voucher: { code: v.code, balanceCents: v.balanceCents, status: v.status }, creditedTo: 'replacement' };
    return { replayed: false, redemption, voucher: { code: v.code, balanceCents: after.balanceCents, status: after.status } };
  });
}
