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
  (t) => [index('payments_order_id_idx').on(t.orderId), uniqueIndex('payments_provider_ref_uq').on(t.provider, t.providerRef), check('payments_amount_positive', sql`${t.amountCents} > 0`)],
);

/** Every payment-provider event handled, by its id: a replay is recognised and ignored. */
export const providerEvents = sqliteTable('provider_events', {
  id: text('id').primaryKey(),
  provider: text('provider').notNull(),
  type: text('type').notNull(),
  receivedAt: text('received_at').notNull(),
});
