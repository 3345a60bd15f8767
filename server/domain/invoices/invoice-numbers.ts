import { sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { formatInvoiceNumber } from '../../invoices/invoice-document';

/** The yearly sequences kept in `invoice_counters`: invoices, settlement batches, statements. */
export type SequenceKind = 'invoice' | 'settlement' | 'statement';

/**
 * The next number of a yearly sequence, taken inside the caller's BEGIN IMMEDIATE
 * transaction: the counter row and the document commit or roll back together, and the
 * write lock serialises every process on the file, so numbers never repeat nor skip.
 */
export function nextInSequence(tx: Tx, kind: SequenceKind, year: number): number {
  return tx.get<{ seq: number }>(
    sql`INSERT INTO invoice_counters (kind, year, last_seq) VALUES (${kind}, ${year}, 1)
        ON CONFLICT (kind, year) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq AS seq`,
  ).seq;
}

/** The next invoice number of a year (FAC-YYYY-NNNNNN). */
export function allocateInvoiceNumber(tx: Tx, year: number): { seq: number; number: string } {
  const seq = nextInSequence(tx, 'invoice', year);
  return { seq, number: formatInvoiceNumber(year, seq) };
}
