import { sql } from 'drizzle-orm';
import { index, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { orders } from './orders';
import { outboxMessages } from './outbox';
import { vouchers } from './vouchers';

/**
 * A voucher the buyer sends to a recipient by email, now or at `send_at` (migration 0023).
 * One row per send asked for (a resend is a new row); the mail is the outbox row it names,
 * queued with next_attempt_at = send_at, so the schedule lives in the database and survives
 * restarts, and the outbox claim sends it once. When it went out is that row's sent_at.
 * Recipient email, name and message are the recipient's personal data.
 */
export const voucherGifts = sqliteTable(
  'voucher_gifts',
  {
    id: text('id').primaryKey(),
    voucherId: text('voucher_id').notNull().references(() => vouchers.id),
    orderId: text('order_id').notNull().references(() => orders.id),
    recipientEmail: text('recipient_email').notNull(),
    recipientName: text('recipient_name'),
    message: text('message'),
    /** The instant the buyer chose (UTC ISO); the creation instant for « now ». */
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
