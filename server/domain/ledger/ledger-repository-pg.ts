/**
 * Journal posting on PostgreSQL (see journal-store.ts): the counter row, the journal and its
 * lines in ONE statement (data-modifying CTEs), so the counter row — shared by every posting
 * in its accounting journal, locked from its increment to COMMIT — is held for one round trip
 * plus the commit, not three.
 */
import type pg from 'pg';
import { preparedOn } from '../../../db/postgres';
import { awaited } from '../../../db/unit-of-work';
import type { JournalStore } from './journal-store';

const POST = `
  WITH n AS (
    INSERT INTO journal_counters (journal_code, last_number) VALUES ($6, 1)
    ON CONFLICT (journal_code) DO UPDATE SET last_number = journal_counters.last_number + 1
    RETURNING last_number
  ), j AS (
    INSERT INTO journals (id, kind, description, order_id, created_at, journal_code, entry_number)
    SELECT $1, $2, $3, $4, $5, $6, n.last_number FROM n
    RETURNING id, entry_number
  ), l AS (
    INSERT INTO journal_lines (journal_id, account, amount_cents)
    SELECT j.id, x.account, x.amount FROM j, unnest($7::text[], $8::bigint[]) WITH ORDINALITY AS x(account, amount, ord) ORDER BY x.ord
    RETURNING 1
  )
  SELECT entry_number AS n, (SELECT COUNT(*) FROM l) AS lines FROM j`;

export function pgJournalStore(client: pg.ClientBase): JournalStore {
  const q = preparedOn(client);
  return {
    postJournal: (j) =>
      awaited(async () => {
        const { rows } = await q<{ n: number; lines: number }>('ledger_post_journal', POST, [
          j.id, j.kind, j.description, j.orderId, j.createdAt, j.journalCode, j.lines.map((l) => l.account), j.lines.map((l) => l.amountCents),
        ]);
        if (rows[0]?.lines !== j.lines.length) throw new Error(`journal ${j.id}: ${rows[0]?.lines ?? 0} of ${j.lines.length} lines written`);
        return rows[0].n;
      }),
  };
}
