import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The operator's double-entry books. A journal's lines sum to zero (debit positive,
 * credit negative). Corrections are new reversing journals, never edits.
 */
export const journals = sqliteTable('journals', {
  id: text('id').primaryKey(),
  kind: text('kind').notNull(),
  description: text('description').notNull(),
  orderId: text('order_id'),
  createdAt: text('created_at').notNull(),
});

export const journalLines = sqliteTable(
  'journal_lines',
  {
    // A plain rowid key: AUTOINCREMENT would rewrite sqlite_sequence on every insert.
    id: integer('id').primaryKey(),
    journalId: text('journal_id').notNull().references(() => journals.id),
    account: text('account').notNull(),
    amountCents: integer('amount_cents').notNull(),
  },
  // Only by journal: balances per account are read by reports and check-ledger in one scan,
  // while an index on account would be paid by each of the two lines of every till call.
  (t) => [index('journal_lines_journal_idx').on(t.journalId)],
);
