import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { int64 } from './columns';
import { orders } from './orders';

/** PostgreSQL mirror of db/schema/refunds.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const refunds = pgTable(
  'refunds',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull().references(() => orders.id),
    provider: text('provider').notNull(),
    providerRef: text('provider_ref').notNull(),
    amountCents: int64('amount_cents').notNull(),
    status: text('status', { enum: ['pending', 'succeeded', 'failed', 'canceled'] }).notNull(),
    actor: text('actor').notNull(),
    reason: text('reason'),
    journalId: text('journal_id'),
    failureReason: text('failure_reason'),
    settledAt: text('settled_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('refunds_provider_ref_uq').on(t.provider, t.providerRef),
    index('refunds_order_idx').on(t.orderId),
    check('refunds_amount_positive', sql`${t.amountCents} > 0`),
  ],
);
