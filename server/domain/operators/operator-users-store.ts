import type { Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import { sqliteSessionStore, type SessionStore } from '../sessions/sessions-store';
import { findOperatorByEmail, findOperatorById, insertOperator, setTotpSecret, updateOperator, type OperatorUser } from './operator-users-repository';
import { sqliteTotpStore, type TotpStore } from './totp-store';

/**
 * Operator staff accounts as the services see them, on either backend: SQLite here (the
 * repository's Drizzle statements, in the caller's transaction), PostgreSQL in
 * operator-users-store-pg.ts. The sign-in, session and second-factor rules
 * (operator-users-service.ts, operator-totp-service.ts) are written once over it.
 */
export interface OperatorUsersStore {
  byEmail(email: string): Step<OperatorUser | undefined>;
  byId(id: string): Step<OperatorUser | undefined>;
  /** Throws EMAIL_TAKEN when the address is already a user's (also when a concurrent insert won). */
  insertUser(user: OperatorUser): Step<void>;
  disable(id: string, at: string): Step<void>;
  /** Turns TOTP on when it is off (spending `step`): false when it was on already. */
  enableTotp(id: string, secret: string, step: number): Step<boolean>;
  disableTotp(id: string): Step<void>;
}

/** Everything a back-office unit of work may touch: the users, their TOTP steps, their sessions. */
export type OperatorStore = OperatorUsersStore & TotpStore & SessionStore;

export function sqliteOperatorUsersStore(tx: Tx): OperatorUsersStore {
  return {
    byEmail: (email) => done(findOperatorByEmail(tx, email)),
    byId: (id) => done(findOperatorById(tx, id)),
    insertUser: (user) => done(insertOperator(tx, user)),
    disable: (id, at) => done(updateOperator(tx, id, { disabledAt: at })),
    enableTotp: (id, secret, step) => done(setTotpSecret(tx, id, secret, step)),
    disableTotp: (id) => done(updateOperator(tx, id, { totpSecret: null })),
  };
}

export const sqliteOperatorStore = (tx: Tx): OperatorStore => ({ ...sqliteOperatorUsersStore(tx), ...sqliteTotpStore(tx), ...sqliteSessionStore(tx) });
