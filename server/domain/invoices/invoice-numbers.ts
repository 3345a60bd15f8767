import { sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { formatInvoiceNumber } from '../../invoices/invoice-document';

/**
 * The next invoice number of a year, taken inside the caller's BEGIN IMMEDIATE
 * transaction: the counter row and the invoice commit or roll back together, and the write
 * lock serialises every process on the file, so numbers never repeat nor skip.
 */
export function allocateInvoiceNumber(tx: Tx, year: number): { seq: number; number: string } {
  const { seq } = tx.get<{ seq: number }>(
    sql`INSERT INTO invoice_counters (kind, year, last_seq) VALUES ('invoice', ${year}, 1)
        ON CONFLICT (kind, year) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq AS seq`,
  );
  return { seq, number: formatInvoiceNumber(year, seq) };
}
