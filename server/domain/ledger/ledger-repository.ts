import { eq, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { journalCounters, journalLines, journals } from '../../../db/schema/index';
import { newId } from '../../lib/ids';
import { assertBalanced, type JournalLine } from './accounts';
import { journalCodeOf, type JournalCode } from './journal-codes';

export interface NewJournal {
  kind: string;
  description: string;
  orderId?: string;
  lines: JournalLine[];
}

/**
 * The next entry number of an accounting journal, taken in the caller's transaction: the
 * counter row is created at 1 or incremented, and stays written-locked until commit, so two
 * postings can neither share a number nor leave a gap (a rolled-back posting gives its
 * number back). The till does the same with a prepared statement (redemption-statements.ts).
 */
export function nextEntryNumber(tx: Tx, code: JournalCode): number {
  return tx
    .insert(journalCounters)
    .values({ journalCode: code, lastNumber: 1 })
    .onConflictDoUpdate({ target: journalCounters.journalCode, set: { lastNumber: sql`${journalCounters.lastNumber} + 1` } })
    .returning({ n: journalCounters.lastNumber })
    .get().n;
}

/** Writes a balanced journal, numbered in its accounting journal; refuses an unbalanced one before touching the database. */
export function postJournal(tx: Tx, journal: NewJournal, now: Date): string {
  assertBalanced(journal.lines);
  const id = newId();
  const journalCode = journalCodeOf(journal.kind);
  tx.insert(journals)
    .values({ id, kind: journal.kind, description: journal.description, orderId: journal.orderId ?? null, createdAt: now.toISOString(), journalCode, entryNumber: nextEntryNumber(tx, journalCode) })
    .run();
  tx.insert(journalLines)
    .values(journal.lines.map((l) => ({ journalId: id, account: l.account, amountCents: l.amountCents })))
    .run();
  return id;
}

/** A posted journal's lines, to reverse them exactly (corrections are reversals, never edits). */
export function journalLinesOf(tx: Tx, journalId: string): JournalLine[] {
  return tx.select({ account: journalLines.account, amountCents: journalLines.amountCents }).from(journalLines).where(eq(journalLines.journalId, journalId)).all();
}
