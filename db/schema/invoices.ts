import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { orders } from './orders';

/**
 * Invoices and credit notes. Numbers come from `invoice_counters` inside the transaction
 * that inserts the invoice: a rolled-back transaction takes its number back with it, so
 * numbers never skip or repeat (law: sequential, without gaps, per year). The document as
 * issued is kept as JSON: an invoice is never recomputed from data that may change later.
 */
export const invoices = sqliteTable(
  'invoices',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['invoice', 'credit_note'] }).notNull(),
    /** FAC-2026-000123 / AV-2026-000004 */
    number: text('number').notNull().unique(),
    year: integer('year').notNull(),
    seq: integer('seq').notNull(),
    orderId: text('order_id').notNull().references(() => orders.id),
    /** The invoice a credit note cancels. */
    creditsInvoiceId: text('credits_invoice_id'),
    totalCents: integer('total_cents').notNull(),
    issuedAt: text('issued_at').notNull(),
    document: text('document').notNull(),
  },
  (t) => [uniqueIndex('invoices_kind_year_seq_uq').on(t.kind, t.year, t.seq), index('invoices_order_idx').on(t.orderId)],
);

export const invoiceCounters = sqliteTable(
  'invoice_counters',
  {
    kind: text('kind').notNull(),
    year: integer('year').notNull(),
    lastSeq: integer('last_seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.year] })],
);
