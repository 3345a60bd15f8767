type Period = { from?: string; to?: string };
import type { FecEntry } from '../../reports/fec';
import { journalEntries, journalEntriesPostgres } from '../../reports/journal-entries';
import type { AppContext } from '../context';

/**
 * The period's journal entries for a download, on this app's backend: SQLite pulls its
 * windows synchronously (as before); PostgreSQL reads them window by window on one pooled
 * connection, held for the download only and given back when it ends — finished, failed or
 * cut by the client (streamLines returns the iterator, which runs the finally below). Each
 * window is its own query (journal-entries.ts bounds the export to the entries that existed
 * when it began), so no transaction stays open while the client reads slowly.
 */
export function journalEntriesOn(ctx: Pick<AppContext, 'database' | 'pg'>, period: Period): Iterable<FecEntry> | AsyncIterable<FecEntry> {
  if (!ctx.pg) return journalEntries(ctx.database, period);
  const pool = ctx.pg.pool;
  return (async function* () {
    const client = await pool.connect();
    try {
      yield* journalEntriesPostgres(client, period);
    } finally {
      client.release();
    }
  })();
}
