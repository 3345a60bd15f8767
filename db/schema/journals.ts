import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * The operator's double-entry books. A journal's lines sum to zero (debit positive,
 * credit negative). Corrections are new reversing journals, never edits.
 *
 * Each journal belongs to an accounting journal (`journal_code`, see
 * server/domain/ledger/journal-codes.ts) and gets, in the transaction that posts it, the
 * next number of that journal (`entry_number`, from journal_counters): numbers are
 * continuous per journal code and never change, so the FEC's EcritureNum is the same in
 * every export. The defaults exist only so migration 0011 could add the columns; a
 * trigger refuses a journal inserted without a number (entry_number < 1).
 */
export const journals = sqliteTable(
  'journals',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    description: text('description').notNull(),
    orderId: text('order_id'),
    createdAt: text('created_at').notNull(),
    journalCode: text('journal_code').notNull().default('OD'),
    entryNumber: integer('entry_number').notNull().default(0),
  },
  // Unique: two entries can never share a number in one journal. Also the exports' order.
  (t) => [
    uniqueIndex('journals_code_number_uq').on(t.journalCode, t.entryNumber),
    // A period of journals by date (the journal reader, the FEC): migration 0016.
    index('journals_created_at_idx').on(t.createdAt),
  ],
);

/**
 * The last number given in each accounting journal. Incremented in the same transaction as
 * the journal insert (SQLite serialises writers with BEGIN IMMEDIATE; on PostgreSQL the
 * UPDATE locks the row until commit), so numbers have no gap and no duplicate.
 */
export const journalCounters = sqliteTable('journal_counters', {
  journalCode: text('journal_code').primaryKey(),
  lastNumber: integer('last_number').notNull(),
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
