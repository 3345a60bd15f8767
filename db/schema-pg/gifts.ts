import { sql } from 'drizzle-orm';
import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { orders } from './orders';
import { outboxMessages } from './outbox';
import { vouchers } from './vouchers';

/** PostgreSQL mirror of db/schema/gifts.ts: same columns, keys and indexes (its comments say why). */

export const voucherGifts = pgTable(
  'voucher_gifts',
  {
    id: text('id').primaryKey(),
    voucherId: text('voucher_id').notNull().references(() => vouchers.id),
    orderId: text('order_id').notNull().references(() => orders.id),
    recipientEmail: text('recipient_email').notNull(),
    recipientName: text('recipient_name'),
    message: text('message'),
    sendAt: text('send_at').notNull(),
    outboxMessageId: text('outbox_message_id').notNull().references(() => outboxMessages.id),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    index('voucher_gifts_voucher_idx').on(t.voucherId, t.createdAt),
    index('voucher_gifts_order_idx').on(t.orderId),
    index('voucher_gifts_recipient_email_norm_idx').on(sql`lower(trim(${t.recipientEmail}))`),
    uniqueIndex('voucher_gifts_outbox_uq').on(t.outboxMessageId),
  ],
);
