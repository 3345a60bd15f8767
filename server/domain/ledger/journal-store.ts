/**
 * Posting a journal as a step (db/unit-of-work.ts), for the services that run on both
 * backends. Implementations: ledger-repository.ts (SQLite, prepared statements) and
 * ledger-repository-pg.ts (PostgreSQL, one statement).
 */
import type { Step } from '../../../db/unit-of-work';
import { newId } from '../../lib/ids';
import { assertBalanced, type JournalLine } from './accounts';
import { journalCodeOf, type JournalCode } from './journal-codes';

export interface JournalToPost {
  id: string;
  kind: string;
  description: string;
  orderId: string | null;
  createdAt: string;
  journalCode: JournalCode;
  lines: JournalLine[];
}

export interface JournalStore {
  /**
   * Numbers the journal from its accounting journal's counter row (created at 1 or
   * incremented: gap-free, the row stays locked until the unit of work ends) and writes it
   * with its lines. On PostgreSQL the write may be held to the unit's last statement
   * (db/pg-write-behind.ts): the number is known at COMMIT, so none is returned.
   */
  postJournal(j: JournalToPost): Step<void>;
}

export interface NewJournal {
  kind: string;
  description: string;
  orderId?: string;
  lines: JournalLine[];
}

/**
 * Writes a balanced journal; refuses an unbalanced one before touching the database.
 * `id` lets a caller link rows to the journal before posting it: the money paths post their
 * journal last, so the counter row — one per accounting journal, shared by every till — is
 * held for the shortest time (see docs/architecture.md, PostgreSQL money paths).
 */
export function* postJournalSteps(store: JournalStore, journal: NewJournal, now: Date, id: string = newId()): Step<string> {
  assertBalanced(journal.lines);
  yield* store.postJournal({ id, kind: journal.kind, description: journal.description, orderId: journal.orderId ?? null, createdAt: now.toISOString(), journalCode: journalCodeOf(journal.kind), lines: journal.lines });
  return id;
}
