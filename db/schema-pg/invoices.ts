import { index, primaryKey, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { int64 } from './columns';
import { orders } from './orders';

/** PostgreSQL mirror of db/schema/invoices.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const invoices = pgTable(
  'invoices',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['invoice', 'credit_note'] }).notNull(),
    number: text('number').notNull().unique(),
    year: int64('year').notNull(),
    seq: int64('seq').notNull(),
    orderId: text('order_id').notNull().references(() => orders.id),
    creditsInvoiceId: text('credits_invoice_id'),
    totalCents: int64('total_cents').notNull(),
    issuedAt: text('issued_at').notNull(),
    document: text('document').notNull(),
  },
  (t) => [uniqueIndex('invoices_kind_year_seq_uq').on(t.kind, t.year, t.seq), index('invoices_order_idx').on(t.orderId)],
);

export const invoiceCounters = pgTable(
  'invoice_counters',
  {
    kind: text('kind').notNull(),
    year: int64('year').notNull(),
    lastSeq: int64('last_seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.year] })],
);
