import { ledgerChecks, type Breach } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import { readOn } from '../../server/web/backend-units';
import type { TestApp } from './test-app';

/**
 * check-ledger's breaches on whichever backend the test app runs (the same read program as
 * `cli check-ledger` on either): what `checkLedger(app.database)` says on SQLite only.
 */
export async function ledgerBreaches(t: Pick<TestApp, 'database' | 'pg'>): Promise<Breach[]> {
  return await readOn(t, (dialect) => ledgerChecks(FULL, dialect));
}
