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
import { appendMovement, findVoucherById } from '../vouchers/vouchers-repository';
import { checkRedeemable, checkVoidable, statusAfter, type RedeemRefusal, type Redemption } from './redemption';
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
  return deps.database.batchedTransaction((): RedemptionResult => {
    const now = deps.clock.now();
    const at = now.toISOString();
    const previous = st.redemptionByKey.get(input.merchantId, input.idempotencyKey);
    if (previous) {
      if (previous.requestFingerprint !== fingerprint) throw new AppError('IDEMPOTENCY_KEY_REUSED', 409, 'errors.idempotency_key_reused');
      const balance = st.balanceAfter.get(previous.id)!.b;
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
    const balance = v.balanceCents - input.amountCents;
    const status = statusAfter(v.status, balance);
    st.insertMovement.run({ id: newId(), voucherId: v.id, seq: st.nextSeq.get(v.id)!.n, kind: 'redeem', amountCents: -input.amountCents, balanceAfterCents: balance, journalId, redemptionId: id, actor: input.actor, createdAt: at });
    st.updateVoucher.run(balance, status, v.id);
    st.addRedeemed.run(input.amountCents, v.campaignId);
    return { replayed: false, redemption, voucher: { code, balanceCents: balance, status } };
  });
}

/**
 * Undoes a redemption of this shop within the void window: reversing journal, a `void`
 * movement that gives the balance back, progress cache. Voiding twice is harmless (the
 * second call returns the voided redemption). Another shop's id is not found.
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
    markVoided(tx, r.id, at, input.actor, journalId);
    const status = statusAfter(v.status, v.balanceCents + r.amountCents);
    const balance = appendMovement(tx, v, { kind: 'void', amountCents: r.amountCents, journalId, redemptionId: r.id, actor: input.actor, status }, at);
    addToCampaignTotals(tx, r.campaignId, { redeemedCents: -r.amountCents });
    // Voids are rare (unlike redemptions, which the redemptions table itself records).
    audit(tx, { actor: input.actor, action: 'redemption_void', entityType: 'redemption', entityId: r.id, before: { status: r.status, number: r.number, amountCents: r.amountCents, balanceCents: v.balanceCents, voucherStatus: v.status }, after: { status: 'voided', balanceCents: balance, voucherStatus: status } }, now);
    return { replayed: false, redemption: { ...r, status: 'voided', voidedAt: at, voidedBy: input.actor, voidJournalId: journalId }, voucher: { code: v.code, balanceCents: balance, status } };
  });
}

