import type { Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import { useTotpStep } from './operator-users-repository';

/**
 * Second-factor replay protection shared by every server: the last TOTP step each operator
 * spent, kept in `operator_users.totp_last_step`. The rule (operator-totp-service.ts) is
 * written once as Steps; SQLite here, PostgreSQL in totp-store-pg.ts.
 */
export interface TotpStore {
  /** Spends `step` for the user if it is later than the last one spent: true for exactly one caller. */
  spendStep(userId: string, step: number): Step<boolean>;
}

export function sqliteTotpStore(tx: Tx): TotpStore {
  return { spendStep: (userId, step) => done(useTotpStep(tx, userId, step)) };
}
