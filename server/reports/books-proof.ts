import type { Dialect, ReadProgram } from '../../db/read-program';
import { ledgerChecks, type Breach } from '../domain/ledger/check-ledger';
import { FULL } from '../domain/ledger/ledger-scope';
import { liabilityProgram, type CampaignLiability } from './liability';
import { reconciliationProgram, type CampaignReconciliation } from './reconciliation';

export interface BooksProof {
  breaches: Breach[];
  liability: CampaignLiability[];
  reconciliation: CampaignReconciliation[];
}

/**
 * What copy-database compares between the source and the copy besides the rows: a full
 * check-ledger and the liability and reconciliation reports at one `now`, each computed by
 * the database it reads (same read programs, each backend's own SQL engine). Equal answers
 * mean the copy keeps the books, not only the bytes.
 */
export const booksProof =
  (now: Date) =>
  function* (dialect: Dialect): ReadProgram<BooksProof> {
    const breaches = yield* ledgerChecks(FULL, dialect);
    const liability = yield* liabilityProgram(now);
    const reconciliation = yield* reconciliationProgram(now, liability);
    return { breaches, liability, reconciliation };
  };
