/**
 * A batch's SEPA credit-transfer files, rebuilt from stored rows only (statement bank
 * details are copied at settlement; MsgId, creation time and the statements a file carries
 * are recorded in `sepa_files` when it is produced): exporting a file again — after a
 * crash, or a month later — gives the same bytes.
 */
import { mkdirSync, renameSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tx } from '../../../db/client';
import { runSync, type Step } from '../../../db/unit-of-work';
import type { Seller } from '../../invoices/invoice-document';
import { addDays, isoWeekday, parisDate } from '../../lib/paris-time';
import { buildPain001, checkSepaTransfer, type SepaFileInput, type SepaTransfer } from '../../settlement/sepa-pain001';
import type { SettlementStore } from './settlement-store';
import { sqliteSettlementStore } from './settlement-store-sqlite';
import type { SepaFile, SettlementBatch, Statement } from './settlements-repository';

/** The next business day (Mon–Fri) after the file's creation: banks refuse a date in the past. */
function executionDate(createdAt: string): string {
  let d = addDays(parisDate(new Date(createdAt)), 1);
  for (;;) {
    if (isoWeekday(d) <= 5) return d;
    d = addDays(d, 1);
  }
}

/**
 * One statement's transaction. The same function builds it for the file and for the
 * checks before a batch commits and before a file is produced, so what was checked is
 * what is written.
 */
export function statementTransfer(s: Pick<Statement, 'reference' | 'netCents' | 'accountHolder' | 'iban' | 'bic'>, batchReference: string): SepaTransfer {
  return { endToEndId: s.reference, amountCents: s.netCents, creditorName: s.accountHolder, creditorIban: s.iban ?? '', creditorBic: s.bic, remittance: `${s.reference} ${batchReference} bons d'achat` };
}

export const transferOk = (s: Parameters<typeof statementTransfer>[0], batchReference: string) => checkSepaTransfer(statementTransfer(s, batchReference)).length === 0;

/** File 1 keeps the batch's MsgId and PmtInfId (as before files were numbered); file n adds "-n". */
const suffixed = (id: string, seq: number) => (seq === 1 ? id : `${id.slice(0, 35 - `-${seq}`.length)}-${seq}`);
export const sepaMessageId = (batch: Pick<SettlementBatch, 'messageId'>, seq: number) => suffixed(batch.messageId, seq);
export const sepaFileName = (batch: Pick<SettlementBatch, 'reference'>, seq: number) => `${suffixed(batch.reference, seq)}.xml`;

type FileHead = Pick<SepaFile, 'seq' | 'messageId' | 'createdAt'>;

/**
 * File 1 of a batch none of whose files is recorded yet, when every SEPA statement's stored
 * copy can be written: all of them, with the batch's MsgId and creation time — exactly the
 * file a batch settled before files were recorded got (and every batch settled since: the
 * pre-commit check guarantees it). Null when a copy cannot be written: that batch never had
 * a file, and its first one is produced by `completeSepaFiles` (with the details fixed).
 */
export function* implicitFirstFileSteps(s: SettlementStore, batch: SettlementBatch): Step<{ head: FileHead; statements: Statement[] } | null> {
  if ((yield* s.batchSepaFiles(batch.id)).length > 0) return null;
  const all = yield* s.batchSepaStatements(batch.id);
  if (all.length === 0 || all.some((s) => s.sepaFileSeq !== null || s.status === 'paid' || !transferOk(s, batch.reference))) return null;
  return { head: { seq: 1, messageId: batch.messageId, createdAt: batch.createdAt }, statements: all };
}

export const implicitFirstFile = (tx: Tx, batch: SettlementBatch) => runSync(implicitFirstFileSteps(sqliteSettlementStore(tx), batch));

export function sepaFileInput(batch: SettlementBatch, head: FileHead, statements: Statement[], operator: Seller): SepaFileInput {
  return {
    messageId: head.messageId,
    createdAt: new Date(head.createdAt),
    requestedExecutionDate: executionDate(head.createdAt),
    paymentInfoId: suffixed(batch.reference, head.seq),
    debtor: { name: operator.legalName, iban: operator.iban, bic: operator.bic || null },
    initiatingPartyName: operator.legalName,
    transfers: statements.map((s) => statementTransfer(s, batch.reference)),
  };
}

/** The XML of file `seq` of the batch (recorded, or file 1 as it will be recorded); null when there is none. */
export function* sepaXmlSteps(s: SettlementStore, batch: SettlementBatch, operator: Seller, seq = 1): Step<string | null> {
  const head = (yield* s.batchSepaFiles(batch.id)).find((f) => f.seq === seq);
  if (head) return buildPain001(sepaFileInput(batch, head, yield* s.batchSepaStatements(batch.id, seq), operator));
  const first = seq === 1 ? yield* implicitFirstFileSteps(s, batch) : null;
  return first ? buildPain001(sepaFileInput(batch, first.head, first.statements, operator)) : null;
}

export const sepaXml = (tx: Tx, batch: SettlementBatch, operator: Seller, seq = 1) => runSync(sepaXmlSteps(sqliteSettlementStore(tx), batch, operator, seq));

/**
 * Writes data/settlements/<name> atomically (temp file + rename): a reader never sees half
 * a file. Rewrites only when missing or different (it never is, by construction).
 */
export function writeSepaFile(dir: string, name: string, xml: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  if (existsSync(path) && readFileSync(path, 'utf8') === xml) return path;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, xml);
  renameSync(tmp, path);
  return path;
}
