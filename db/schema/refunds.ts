import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { orders } from './orders';

/**
 * Money given back to a buyer (unused vouchers of a card order), through the payment
 * provider. The unique provider reference makes recording idempotent (API answer and
 * webhook may both report the same refund).
 */
export const refunds = sqliteTable(
  'refunds',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull().references(() => orders.id),
    provider: text('provider').notNull(),
    providerRef: text('provider_ref').notNull(),
    amountCents: integer('amount_cents').notNull(),
    status: text('status', { enum: ['pending', 'succeeded', 'failed'] }).notNull(),
    actor: text('actor').notNull(),
    reason: text('reason'),
    journalId: text('journal_id'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('refunds_provider_ref_uq').on(t.provider, t.providerRef),
    index('refunds_order_idx').on(t.orderId),
    check('refunds_amount_positive', sql`${t.amountCents} > 0`),
  ],
);
