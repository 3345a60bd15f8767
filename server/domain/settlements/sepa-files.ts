/**
 * Producing a batch's SEPA files after it committed, and completing a batch one of whose
 * statements could not be written (details entered before the SEPA character check, or a
 * batch settled before the pre-commit check existed).
 *
 * The rule that keeps re-exports byte-identical: a file's content is fixed when it is
 * recorded (its row in `sepa_files`, its statements' `sepa_file_seq` and their stored bank
 * details). A statement's bank details copy is only ever replaced while it is in no file
 * and unpaid, and only when the copy itself cannot be written: a valid copy is what the
 * shop had when it was settled, and stays so even if the shop edits its IBAN afterwards. A
 * statement that cannot be written yet is left out with a visible reason
 * (`sepa_hold_reason`), never blocking the others, and goes into the batch's next file
 * (MsgId "<batch MsgId>-2", …) once the shop's details are fixed. A file already produced is
 * never changed: the operator confirms it executed, and the next file covers the rest.
 */
import type { Database_, Tx } from '../../../db/client';
import { runSync, type Step } from '../../../db/unit-of-work';
import type { Seller } from '../../invoices/invoice-document';
import { maskIban } from '../../lib/identifiers';
import { buildPain001, checkSepaTransfer } from '../../settlement/sepa-pain001';
import { payoutRoute, sepaHoldReason, type HoldReason } from './payout-route';
import { implicitFirstFileSteps, sepaFileInput, sepaMessageId, statementTransfer } from './sepa-export';
import type { SettlementStore, SettlementUnits } from './settlement-store';
import { sqliteSettlementUnits } from './settlement-store-sqlite';
import { unfiledSepaStatements, type SettlementBatch, type Statement } from './settlements-repository';

export interface SepaFileDeps {
  database: Database_;
  clock: { now(): Date };
  operator: Seller;
}

export interface HeldStatement {
  statementId: string;
  reference: string;
  merchantId: string;
  reason: HoldReason;
}

/**
 * Records file 1 of a batch whose every SEPA statement can be written (see
 * implicitFirstFile): deterministic, so recording it late (a batch settled before files
 * were recorded) gives the file that batch already had. Returns whether it recorded one.
 */
export function* recordFirstFile(s: SettlementStore, batch: SettlementBatch): Step<boolean> {
  const first = yield* implicitFirstFileSteps(s, batch);
  if (!first) return false;
  yield* s.insertSepaFile({ batchId: batch.id, ...first.head });
  yield* s.putInSepaFile(first.statements.map((st) => st.id), 1);
  return true;
}

/**
 * A statement whose stored copy cannot be written: takes the shop's current SEPA details
 * when they can (audit-logged, IBANs masked as everywhere in the log), else says why not.
 */
function* refreshOrHold(s: SettlementStore, batch: SettlementBatch, st: Statement, actor: string, now: Date): Step<HoldReason | null> {
  const stored = sepaHoldReason(checkSepaTransfer(statementTransfer(st, batch.reference)))!;
  // A shop paid by Stripe now is still paid by transfer for this statement (its method is fixed).
  const route = payoutRoute({ ...(yield* s.merchantBanking(st.merchantId)), stripeAccountId: null });
  if (!route.ok) return route.reason;
  if (route.method !== 'sepa') return stored;
  const fresh = { iban: route.iban, bic: route.bic, accountHolder: route.accountHolder };
  const reason = sepaHoldReason(checkSepaTransfer(statementTransfer({ ...st, ...fresh }, batch.reference)));
  if (reason) return reason;
  if ((yield* s.replaceStatementBankDetails(st.id, fresh)) !== 1) return stored;
  yield* s.audit({
    actor, action: 'statement_bank_details_refreshed', entityType: 'statement', entityId: st.id,
    before: { iban: st.iban ? maskIban(st.iban) : null, bic: st.bic, accountHolder: st.accountHolder, reason: stored },
    after: { iban: maskIban(fresh.iban), bic: fresh.bic, accountHolder: fresh.accountHolder },
  }, now);
  return null;
}

/**
 * Brings a committed batch's SEPA files up to date, in one unit of work: file 1 as settled
 * when it can be, then a new file for every statement in none yet whose details (stored,
 * or the shop's corrected ones) can now be written; the others stay out with their reason.
 * Returns the file it produced (if any) and the statements still held.
 */
export function completeSepaFilesSteps(units: SettlementUnits, deps: Omit<SepaFileDeps, 'database'>, batchId: string, actor: string): Step<{ produced: number | null; held: HeldStatement[] }> {
  return units.write(function* (s) {
    const batch = yield* s.findBatch(batchId);
    if (!batch) return { produced: null, held: [] };
    const now = deps.clock.now();
    if (yield* recordFirstFile(s, batch)) return { produced: 1, held: [] };
    const included: Statement[] = [];
    const held: HeldStatement[] = [];
    for (const st of yield* s.unfiledSepaStatements(batch.id)) {
      const valid = sepaHoldReason(checkSepaTransfer(statementTransfer(st, batch.reference))) === null;
      const reason = valid ? null : yield* refreshOrHold(s, batch, st, actor, now);
      if (reason === null) {
        included.push(st);
        continue;
      }
      held.push({ statementId: st.id, reference: st.reference, merchantId: st.merchantId, reason });
      // Only a change is news: a statement held for the same reason run after run is logged once.
      if (st.sepaHoldReason !== reason) {
        yield* s.setSepaHoldReason(st.id, reason);
        yield* s.audit({ actor, action: 'statement_sepa_held', entityType: 'statement', entityId: st.id, before: { sepaHoldReason: st.sepaHoldReason }, after: { sepaHoldReason: reason, batch: batch.reference } }, now);
      }
    }
    if (included.length === 0) return { produced: null, held };
    const seq = ((yield* s.batchSepaFiles(batch.id)).at(-1)?.seq ?? 0) + 1;
    // Never produced before (its statements were in no file): dated now, so the requested
    // execution date is the next business day from today, not from the settlement.
    const head = { seq, messageId: sepaMessageId(batch, seq), createdAt: now.toISOString() };
    yield* s.insertSepaFile({ batchId: batch.id, ...head });
    yield* s.putInSepaFile(included.map((st) => st.id), seq);
    // Every transfer was checked above; what is left (the operator's identity) is ours, and
    // a file that cannot be built is rolled back rather than recorded.
    buildPain001(sepaFileInput(batch, head, yield* s.batchSepaStatements(batch.id, seq), deps.operator));
    yield* s.audit({ actor, action: 'settlement_sepa_file_produced', entityType: 'settlement_batch', entityId: batch.id, after: { seq, messageId: head.messageId, statements: included.map((st) => st.reference), held: held.map((h) => h.reference) } }, now);
    return { produced: seq, held };
  });
}

/** completeSepaFilesSteps on SQLite, synchronously (one BEGIN IMMEDIATE). */
export function completeSepaFiles(deps: SepaFileDeps, batchId: string, actor: string): { produced: number | null; held: HeldStatement[] } {
  return runSync(completeSepaFilesSteps(sqliteSettlementUnits(deps.database), deps, batchId, actor));
}

/** Statements of unexecuted batches still out of every SEPA file, with their reason. */
export function heldSepaStatements(tx: Tx, batchId: string): HeldStatement[] {
  return unfiledSepaStatements(tx, batchId)
    .filter((s) => s.sepaHoldReason !== null)
    .map((s) => ({ statementId: s.id, reference: s.reference, merchantId: s.merchantId, reason: s.sepaHoldReason as HoldReason }));
}
