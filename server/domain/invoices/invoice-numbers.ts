import { sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client';

export type InvoiceKind = 'invoice' | 'credit_note';
const PREFIX: Record<InvoiceKind, string> = { invoice: 'FAC', credit_note: 'AV' };

/**
 * The next number of a year's sequence, taken inside the caller's BEGIN IMMEDIATE
 * transaction: the counter row and the invoice commit or roll back together, and the write
 * lock serialises every process on the file, so numbers never repeat nor skip.
 */
export function allocateInvoiceNumber(tx: Tx, kind: InvoiceKind, year: number): { seq: number; number: string } {
  const { seq } = tx.get<{ seq: number }>(
    sql`INSERT INTO invoice_counters (kind, year, last_seq) VALUES (${kind}, ${year}, 1)
        ON CONFLICT (kind, year) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq AS seq`,
  );
  return { seq, number: `${PREFIX[kind]}-${year}-${String(seq).padStart(6, '0')}` };
}
