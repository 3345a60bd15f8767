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
    /**
     * pending: the vouchers are held, the provider has not said the money left (no answer yet,
     * or Stripe answered `pending`); succeeded: booked (vouchers cancelled, journal);
     * failed/canceled: the provider said no, the vouchers are back as they were.
     */
    status: text('status', { enum: ['pending', 'succeeded', 'failed', 'canceled'] }).notNull(),
    actor: text('actor').notNull(),
    reason: text('reason'),
    journalId: text('journal_id'),
    /** Stripe's `failure_reason` (or our refusal detail) for a failed/canceled refund. */
    failureReason: text('failure_reason'),
    /** When the provider's final word (succeeded, failed, canceled) was booked. */
    settledAt: text('settled_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('refunds_provider_ref_uq').on(t.provider, t.providerRef),
    index('refunds_order_idx').on(t.orderId),
    check('refunds_amount_positive', sql`${t.amountCents} > 0`),
  ],
);
