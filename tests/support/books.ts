import { readSnapshotPostgres } from '../../db/read-program';
import { checkLedger, ledgerChecks, type Breach } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import type { TestApp } from './test-app';

/**
 * check-ledger on the test app's backend: the same checks (one read program per dialect,
 * server/domain/ledger/check-ledger.ts) on SQLite or on the app's PostgreSQL pool, in one
 * snapshot. Empty: the books are clean.
 */
export async function booksOf(t: Pick<TestApp, 'database' | 'pg'>): Promise<Breach[]> {
  if (!t.pg) return checkLedger(t.database);
  const client = await t.pg.pool.connect();
  try {
    return await readSnapshotPostgres(client, ledgerChecks(FULL, 'postgres'));
  } finally {
    client.release();
  }
}
