import { z } from 'zod';
import type { Database_ } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId, newToken, sha256 } from '../../lib/ids';
import { hashPassword, verifyPassword } from '../../lib/passwords';
import {
  findOperatorByEmail,
  findOperatorById,
  insertOperator,
  updateOperator,
  type OperatorUser,
} from './operator-users-repository';
import { deleteSession, deleteUserSessions, extendSession, findSession } from '../sessions/sessions-repository';
import { runSync, type Step } from '../../../db/unit-of-work';
import type { Session } from '../sessions/sessions-repository';
import { isLive, openSessionSteps, slidExpiry, type SessionPolicy } from '../sessions/sessions';
import { sqliteSessionStore, type SessionStore } from '../sessions/sessions-store';
import { secondFactorSteps } from './operator-totp-service';
import { sqliteTotpStore, type TotpStore } from './totp-store';
import { can, isOperatorRole, type OperatorRole } from './roles';

export interface OperatorsDeps {
  database: Database_;
  clock: Clock;
}

/**
 * Operator sessions reach every order and, for admins, the staff: they end after 8 hours
 * without activity and in any case 12 hours after sign-in (a working day), much sooner
 * than a shop's 14 days.
 */
export const OPERATOR_SESSION_IDLE_MS = 8 * 3600_000;
export const OPERATOR_SESSION_MAX_MS = 12 * 3600_000;
/** Sliding the idle expiry costs a write: done at most once a minute per session. */
const EXTEND_EVERY_MS = 60_000;
export const OPERATOR_SESSION_POLICY: SessionPolicy = {
  ttlMs: OPERATOR_SESSION_IDLE_MS,
  slide: { idleMs: OPERATOR_SESSION_IDLE_MS, maxMs: OPERATOR_SESSION_MAX_MS, extendEveryMs: EXTEND_EVERY_MS },
};

/** Staff accounts guard every buyer's data and the money: a longer minimum than shops' 10. */
export const OPERATOR_MIN_PASSWORD = 12;
export const isAcceptableOperatorPassword = (p: string) => p.length >= OPERATOR_MIN_PASSWORD && p.length <= 200;
export const isValidEmail = (e: string) => e.length <= 254 && z.email().safeParse(e).success;

/** CLI, seed and (later) staff management: a user with a password and a role. */
export async function createOperatorUser(deps: OperatorsDeps, input: { email: string; password: string; role: OperatorRole; name?: string }): Promise<OperatorUser> {
  const email = input.email.trim().toLowerCase();
  if (!isValidEmail(email)) throw new AppError('VALIDATION_FAILED', 422, 'errors.email', { email: 'errors.email' });
  if (!isOperatorRole(input.role)) throw new AppError('VALIDATION_FAILED', 422, 'operator.errors.role', { role: 'operator.errors.role' });
  if (!isAcceptableOperatorPassword(input.password)) throw new AppError('WEAK_PASSWORD', 422, 'operator.errors.weak_password', { password: 'operator.errors.weak_password' });
  const passwordHash = await hashPassword(input.password);
  return deps.database.transaction((tx) => {
    if (findOperatorByEmail(tx, email)) throw new AppError('EMAIL_TAKEN', 409, 'errors.email_taken', { email: 'errors.email_taken' });
    const name = input.name?.trim() || email.split('@')[0]!;
    const user: OperatorUser = { id: newId(), email, name, role: input.role, passwordHash, totpSecret: null, totpLastStep: null, createdAt: deps.clock.now().toISOString(), disabledAt: null };
    insertOperator(tx, user);
    return user;
  });
}

/**
 * Checks a password and opens an operator session. An unknown email, a disabled user and
 * a wrong password get the same error after the same hashing time (verifyPassword hashes
 * against a dummy when there is no usable hash), so sign-in does not reveal accounts.
 * A user who turned on TOTP must also give a current code.
 */
export async function signInOperator(deps: OperatorsDeps, email: string, password: string, code?: string): Promise<{ token: string; user: OperatorUser }> {
  const user = findOperatorByEmail(deps.database.db, email.trim());
  const usable = user && !user.disabledAt ? user.passwordHash : null;
  const ok = await verifyPassword(password, usable);
  if (!user || !usable || !ok) throw new AppError('INVALID_CREDENTIALS', 401, 'errors.invalid_credentials');
  const now = deps.clock.now();
  const token = newToken();
  deps.database.transaction((tx) => runSync(operatorSessionSteps({ ...sqliteTotpStore(tx), ...sqliteSessionStore(tx) }, user, code, token, now)));
  return { token, user };
}

/**
 * Once the password is right: the second factor (asked only then, as a second step would be:
 * users without TOTP never see it), then the session — in ONE unit of work, so the code is
 * spent by the transaction that opens the session, on whichever backend.
 */
export function* operatorSessionSteps(store: TotpStore & SessionStore, user: Pick<OperatorUser, 'id' | 'totpSecret'>, code: string | undefined, token: string, now: Date): Step<Session> {
  yield* secondFactorSteps(store, user, code, now);
  return yield* openSessionSteps(store, 'operator', user.id, token, now, OPERATOR_SESSION_POLICY);
}

/**
 * The operator user behind a session cookie, or null: only sessions of realm 'operator',
 * still live, of a user not disabled. A live session's idle expiry slides forward, never
 * beyond the session's maximum age.
 */
export function operatorForSession(deps: OperatorsDeps, token: string | undefined): OperatorUser | null {
  if (!token) return null;
  const db = deps.database.db;
  const hash = sha256(token);
  const session = findSession(db, 'operator', hash);
  const now = deps.clock.now();
  if (!session || !isLive(session, now)) return null;
  const user = findOperatorById(db, session.userId);
  if (!user || user.disabledAt) return null;
  const slid = slidExpiry(session, now, OPERATOR_SESSION_POLICY);
  if (slid) deps.database.transaction((tx) => extendSession(tx, 'operator', hash, slid));
  return user;
}

export function signOutOperator(deps: OperatorsDeps, token: string | undefined): void {
  if (token) deps.database.transaction((tx) => deleteSession(tx, 'operator', sha256(token)));
}

/**
 * Admin only: the user can no longer sign in and their sessions end at once. The row is
 * kept (actions they recorded name them). Admins cannot disable themselves, so the last
 * admin cannot lock everyone out by mistake.
 */
export function disableOperatorUser(deps: OperatorsDeps, actor: OperatorUser, userId: string): OperatorUser {
  if (!can(actor.role, 'staff.manage')) throw new AppError('FORBIDDEN', 403, 'errors.forbidden');
  if (actor.id === userId) throw new AppError('CANNOT_DISABLE_SELF', 409, 'operator.errors.disable_self');
  return deps.database.transaction((tx) => {
    const user = findOperatorById(tx, userId);
    if (!user) throw new AppError('USER_NOT_FOUND', 404, 'errors.user_not_found');
    if (!user.disabledAt) updateOperator(tx, user.id, { disabledAt: deps.clock.now().toISOString() });
    deleteUserSessions(tx, 'operator', user.id);
    return findOperatorById(tx, user.id)!;
  });
}
