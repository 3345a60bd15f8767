/**
 * Journal posting on PostgreSQL (see journal-store.ts): the counter row, the journal and its
 * lines as one held write (db/pg-write-behind.ts), sent with the unit's other held writes as
 * its last statement, COMMIT right behind. The counter row — shared by every posting in its
 * accounting journal, locked from its increment to COMMIT — is therefore held for that
 * statement and the commit, not for the till's round trips. Gap-free numbering is unchanged:
 * the increment and the journal commit or roll back together, and concurrent postings queue
 * on the row (docs/architecture.md, FEC).
 */
import { END_RANK, type HeldWrite, type PgUnit } from '../../../db/pg-write-behind';
import type { JournalStore } from './journal-store';

const PARTS: [string, string][] = [
  ['n', `INSERT INTO journal_counters (journal_code, last_number) VALUES ($6, 1)
    ON CONFLICT (journal_code) DO UPDATE SET last_number = journal_counters.last_number + 1
    RETURNING last_number`],
  ['j', `INSERT INTO journals (id, kind, description, order_id, created_at, journal_code, entry_number)
    SELECT $1, $2, $3, $4, $5, $6, n.last_number FROM %n% AS n
    RETURNING id, entry_number`],
  ['l', `INSERT INTO journal_lines (journal_id, account, amount_cents)
    SELECT j.id, x.account, x.amount FROM %j% AS j, unnest($7::text[], $8::bigint[]) WITH ORDINALITY AS x(account, amount, ord) ORDER BY x.ord
    RETURNING 1`],
];

/**
 * `toEnd`: the journal is held to the unit's very end (db/pg-write-behind.ts `holdToEnd`),
 * after the report aggregates and the campaign row, even when the service posts it before
 * immediate queries (the card payment posts its sale before issuing the vouchers): the
 * counter row is then locked last, by every path, for the last statement only. Without it
 * the journal is an ordinary held write (the till posts its journal last anyway).
 */
export function pgJournalStore(unit: PgUnit, o: { toEnd?: boolean } = {}): JournalStore {
  return {
    postJournal: (j) => {
      const write: HeldWrite = {
        table: 'journals',
        parts: PARTS,
        values: [j.id, j.kind, j.description, j.orderId, j.createdAt, j.journalCode, j.lines.map((l) => l.account), j.lines.map((l) => l.amountCents)],
        expect: { rows: j.lines.length, error: `journal ${j.id}: not every line written` },
      };
      return o.toEnd ? unit.holdToEnd(`journal:${j.id}`, END_RANK.journal, write) : unit.hold(write);
    },
  };
}
