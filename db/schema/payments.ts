import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { orders } from './orders';

/**
 * Money received for an order. The unique (provider, provider_ref) pair is what makes
 * recording a payment idempotent: a replayed webhook or a double click cannot record it twice.
 */
export const payments = sqliteTable(
  'payments',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull().references(() => orders.id),
    provider: text('provider').notNull(),
    providerRef: text('provider_ref').notNull(),
    amountCents: integer('amount_cents').notNull(),
    receivedAt: text('received_at').notNull(),
    journalId: text('journal_id').notNull(),
  },
  (t) => [
    uniqueIndex('payments_provider_ref_uq').on(t.provider, t.providerRef),
    check('payments_amount_positive', sql`${t.amountCents} > 0`),
    // The impact dashboard's 12-month payment volume reads this index alone (covering), never the table.
    index('payments_received_at_provider_amount_cents_idx').on(t.receivedAt, t.provider, t.amountCents),
    // An order's payments (check-ledger's paid-per-order sum, order pages): migration 0016.
    index('payments_order_id_idx').on(t.orderId),
  ],
);

/** Every payment-provider event handled, by its id: a replay is recognised and ignored. */
export const providerEvents = sqliteTable('provider_events', {
  id: text('id').primaryKey(),
  provider: text('provider').notNull(),
  type: text('type').notNull(),
  receivedAt: text('received_at').notNull(),
});
