import type { Tx } from '../../../db/client';
import { journalLines, journals } from '../../../db/schema/index';
import { newId } from '../../lib/ids';
import { assertBalanced, type JournalLine } from './accounts';

export interface NewJournal {
  kind: string;
  description: string;
  orderId?: string;
  lines: JournalLine[];
}

/** Writes a balanced journal; refuses an unbalanced one before touching the database. */
export function postJournal(tx: Tx, journal: NewJournal, now: Date): string {
  assertBalanced(journal.lines);
  const id = newId();
  tx.insert(journals)
    .values({ id, kind: journal.kind, description: journal.description, orderId: journal.orderId ?? null, createdAt: now.toISOString() })
    .run();
  tx.insert(journalLines)
    .values(journal.lines.map((l) => ({ journalId: id, account: l.account, amountCents: l.amountCents })))
    .run();
  return id;
}
