import { eq, sql } from 'drizzle-orm';
import type Database from 'better-sqlite3';
import { sqliteOf, type Tx } from '../../../db/client';
import { journalCounters, journalLines } from '../../../db/schema/index';
import { done, runSync } from '../../../db/unit-of-work';
import type { JournalLine } from './accounts';
import type { JournalCode } from './journal-codes';
import { postJournalSteps, type JournalStore, type NewJournal } from './journal-store';

export type { NewJournal } from './journal-store';

/**
 * The next entry number of an accounting journal, taken in the caller's transaction: the
 * counter row is created at 1 or incremented, and stays written-locked until commit, so two
 * postings can neither share a number nor leave a gap (a rolled-back posting gives its
 * number back).
 */
export function nextEntryNumber(tx: Tx, code: JournalCode): number {
  return tx
    .insert(journalCounters)
    .values({ journalCode: code, lastNumber: 1 })
    .onConflictDoUpdate({ target: journalCounters.journalCode, set: { lastNumber: sql`${journalCounters.lastNumber} + 1` } })
    .returning({ n: journalCounters.lastNumber })
    .get().n;
}

function build(s: Database.Database) {
  return {
    nextEntryNumber: s.prepare<[string], { n: number }>(
      `INSERT INTO journal_counters (journal_code, last_number) VALUES (?, 1) ON CONFLICT (journal_code) DO UPDATE SET last_number = last_number + 1 RETURNING last_number AS n`,
    ),
    insertJournal: s.prepare(
      `INSERT INTO journals (id, kind, description, order_id, created_at, journal_code, entry_number) VALUES (@id, @kind, @description, @orderId, @createdAt, @journalCode, @entryNumber)`,
    ),
    insertLine: s.prepare<[string, string, number]>(`INSERT INTO journal_lines (journal_id, account, amount_cents) VALUES (?, ?, ?)`),
  };
}

const stores = new WeakMap<Database.Database, JournalStore>();

/** Journal posting on SQLite: statements prepared once per connection (the till posts one per redemption). */
export function sqliteJournalStore(tx: Tx): JournalStore {
  const sqlite = sqliteOf(tx);
  let store = stores.get(sqlite);
  if (store) return store;
  const st = build(sqlite);
  store = {
    postJournal: (j) => {
      const entryNumber = st.nextEntryNumber.get(j.journalCode)!.n;
      st.insertJournal.run({ id: j.id, kind: j.kind, description: j.description, orderId: j.orderId, createdAt: j.createdAt, journalCode: j.journalCode, entryNumber });
      for (const l of j.lines) st.insertLine.run(j.id, l.account, l.amountCents);
      return done(undefined);
    },
  };
  stores.set(sqlite, store);
  return store;
}

/** Writes a balanced journal, numbered in its accounting journal; refuses an unbalanced one before touching the database. */
export function postJournal(tx: Tx, journal: NewJournal, now: Date): string {
  return runSync(postJournalSteps(sqliteJournalStore(tx), journal, now));
}

/** A posted journal's lines, to reverse them exactly (corrections are reversals, never edits). */
export function journalLinesOf(tx: Tx, journalId: string): JournalLine[] {
  return tx.select({ account: journalLines.account, amountCents: journalLines.amountCents }).from(journalLines).where(eq(journalLines.journalId, journalId)).all();
}
