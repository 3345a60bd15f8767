import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { int64 } from './columns';
import { orders } from './orders';

/** PostgreSQL mirror of db/schema/payments.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const payments = pgTable(
  'payments',
  {
    id: text('id').primaryKey(),
    orderId: text('order_id').notNull().references(() => orders.id),
    provider: text('provider').notNull(),
    providerRef: text('provider_ref').notNull(),
    amountCents: int64('amount_cents').notNull(),
    receivedAt: text('received_at').notNull(),
    journalId: text('journal_id').notNull(),
  },
  (t) => [
    uniqueIndex('payments_provider_ref_uq').on(t.provider, t.providerRef),
    check('payments_amount_positive', sql`${t.amountCents} > 0`),
    index('payments_received_at_provider_amount_cents_idx').on(t.receivedAt, t.provider, t.amountCents),
    index('payments_order_id_idx').on(t.orderId),
  ],
);

export const providerEvents = pgTable('provider_events', {
  id: text('id').primaryKey(),
  provider: text('provider').notNull(),
  type: text('type').notNull(),
  receivedAt: text('received_at').notNull(),
});
