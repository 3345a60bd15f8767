import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { int64 } from './columns';

/** PostgreSQL mirror of db/schema/journals.ts: same columns, keys, CHECKs and indexes (its comments say why). */

export const journals = pgTable(
  'journals',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    description: text('description').notNull(),
    orderId: text('order_id'),
    createdAt: text('created_at').notNull(),
    journalCode: text('journal_code').notNull().default('OD'),
    entryNumber: int64('entry_number').notNull().default(0),
  },
  (t) => [uniqueIndex('journals_code_number_uq').on(t.journalCode, t.entryNumber), index('journals_created_at_idx').on(t.createdAt)],
);

export const journalCounters = pgTable('journal_counters', {
  journalCode: text('journal_code').primaryKey(),
  lastNumber: int64('last_number').notNull(),
});

export const journalLines = pgTable(
  'journal_lines',
  {
    id: int64('id').primaryKey().generatedByDefaultAsIdentity(),
    journalId: text('journal_id').notNull().references(() => journals.id),
    account: text('account').notNull(),
    amountCents: int64('amount_cents').notNull(),
  },
  (t) => [index('journal_lines_journal_idx').on(t.journalId)],
);
