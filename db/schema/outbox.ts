import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Messages to send, written in the same transaction as the business change that causes
 * them, so a payment never waits on a mail server and a failing server loses nothing.
 * A worker leases a row (status 'sending' until lease_until), sends, then marks it.
 */
export const outboxMessages = sqliteTable(
  'outbox_messages',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    /** JSON payload the message builder needs (ids only; content is rendered at send time). */
    payload: text('payload').notNull(),
    recipient: text('recipient').notNull(),
    status: text('status', { enum: ['pending', 'sending', 'sent', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull(),
    leaseUntil: text('lease_until'),
    lastError: text('last_error'),
    sentAt: text('sent_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('outbox_due_idx').on(t.status, t.nextAttemptAt), index('outbox_recipient_norm_idx').on(sql`lower(trim(${t.recipient}))`)],
);
