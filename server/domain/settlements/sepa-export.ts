/**
 * A batch's SEPA credit-transfer file, rebuilt from stored rows only (statement bank
 * details are copied at settlement, MsgId and creation time are the batch's): exporting it
 * again — after a crash, or a month later — gives the same bytes.
 */
import { mkdirSync, renameSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tx } from '../../../db/client';
import type { Seller } from '../../invoices/invoice-document';
import { addDays, isoWeekday, parisDate } from '../../lib/paris-time';
import { buildPain001, type SepaFileInput } from '../../settlement/sepa-pain001';
import { batchStatements, type SettlementBatch } from './settlements-repository';

/** The next business day (Mon–Fri) after the batch day: banks refuse a date in the past. */
function executionDate(createdAt: string): string {
  let d = addDays(parisDate(new Date(createdAt)), 1);
  for (;;) {
    if (isoWeekday(d) <= 5) return d;
    d = addDays(d, 1);
  }
}

export function sepaInput(tx: Tx, batch: SettlementBatch, operator: Seller): SepaFileInput | null {
  const transfers = batchStatements(tx, batch.id)
    .filter((s) => s.method === 'sepa')
    .map((s) => ({ endToEndId: s.reference, amountCents: s.netCents, creditorName: s.accountHolder, creditorIban: s.iban!, creditorBic: s.bic, remittance: `${s.reference} ${batch.reference} bons d'achat` }));
  if (transfers.length === 0) return null;
  return {
    messageId: batch.messageId,
    createdAt: new Date(batch.createdAt),
    requestedExecutionDate: executionDate(batch.createdAt),
    paymentInfoId: batch.reference,
    debtor: { name: operator.legalName, iban: operator.iban, bic: operator.bic || null },
    initiatingPartyName: operator.legalName,
    transfers,
  };
}

export function sepaXml(tx: Tx, batch: SettlementBatch, operator: Seller): string | null {
  const input = sepaInput(tx, batch, operator);
  return input ? buildPain001(input) : null;
}

/**
 * Writes data/settlements/<reference>.xml atomically (temp file + rename): a reader never
 * sees half a file. Rewrites only when missing or different (it never is, by construction).
 */
export function writeSepaFile(dir: string, batch: SettlementBatch, xml: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${batch.reference}.xml`);
  if (existsSync(path) && readFileSync(path, 'utf8') === xml) return path;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, xml);
  renameSync(tmp, path);
  return path;
}
