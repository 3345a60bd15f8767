import { z } from 'zod';
import type { Database_ } from '../../../db/client';
import type { PgDatabase } from '../../../db/postgres-pool';
import type { Units } from '../../../db/store-units';
import type { Step } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId, newToken } from '../../lib/ids';
import { hashPassword, verifyPassword } from '../../lib/passwords';
import { storeLookups, storeUnits } from '../../web/backend-units';
import type { OperatorUser } from './operator-users-repository';
import type { Session } from '../sessions/sessions-repository';
import { endSessionSteps, endUserSessionsSteps, liveSessionSteps, openSessionSteps, type SessionPolicy } from '../sessions/sessions';
import type { SessionStore } from '../sessions/sessions-store';
import { secondFactorSteps } from './operator-totp-service';
import type { TotpStore } from './totp-store';
import { sqliteOperatorStore, type OperatorStore } from './operator-users-store';
import { pgOperatorStore } from './operator-users-store-pg';
import { can, isOperatorRole, type OperatorRole } from './roles';

/** The app's backend (`pg` set: PostgreSQL, `database` a guard; else SQLite) and clock. */
export interface OperatorsDeps {
  database: Database_;
  pg?: PgDatabase | null;
  clock: Clock;
}

/** Units of work over the operator store, on the deps' backend. */
export const operatorUnits = (deps: OperatorsDeps): Units<OperatorStore> => storeUnits({ database: deps.database, pg: deps.pg ?? null }, sqliteOperatorStore, pgOperatorStore);
/** Reads and the session check of every back-office request: no SQLite transaction (as before), a pooled connection on PostgreSQL. */
const operatorLookups = (deps: OperatorsDeps): Units<OperatorStore> => storeLookups({ database: deps.database, pg: deps.pg ?? null }, sqliteOperatorStore, pgOperatorStore);

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
  const now = deps.clock.now();
  return await operatorUnits(deps)((store) => createSteps(store, { role: input.role, name: input.name, email }, passwordHash, now));
}

function* createSteps(store: OperatorStore, input: { email: string; role: OperatorRole; name?: string }, passwordHash: string, now: Date): Step<OperatorUser> {
  if (yield* store.byEmail(input.email)) throw new AppError('EMAIL_TAKEN', 409, 'errors.email_taken', { email: 'errors.email_taken' });
  const name = input.name?.trim() || input.email.split('@')[0]!;
  const user: OperatorUser = { id: newId(), email: input.email, name, role: input.role, passwordHash, totpSecret: null, totpLastStep: null, createdAt: now.toISOString(), disabledAt: null };
  yield* store.insertUser(user);
  return user;
}

/**
 * Checks a password and opens an operator session. An unknown email, a disabled user and
 * a wrong password get the same error after the same hashing time (verifyPassword hashes
 * against a dummy when there is no usable hash), so sign-in does not reveal accounts.
 * A user who turned on TOTP must also give a current code.
 */
export async function signInOperator(deps: OperatorsDeps, email: string, password: string, code?: string): Promise<{ token: string; user: OperatorUser }> {
  const user = await operatorLookups(deps)((store) => store.byEmail(email.trim()));
  const usable = user && !user.disabledAt ? user.passwordHash : null;
  const ok = await verifyPassword(password, usable);
  if (!user || !usable || !ok) throw new AppError('INVALID_CREDENTIALS', 401, 'errors.invalid_credentials');
  const now = deps.clock.now();
  const token = newToken();
  await operatorUnits(deps)((store) => operatorSessionSteps(store, user, code, token, now));
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
export function operatorForSession(deps: OperatorsDeps, token: string | undefined): OperatorUser | null | Promise<OperatorUser | null> {
  if (!token) return null;
  const now = deps.clock.now();
  return operatorLookups(deps)((store) => sessionUserSteps(store, token, now));
}

function* sessionUserSteps(store: OperatorStore, token: string, now: Date): Step<OperatorUser | null> {
  const session = yield* liveSessionSteps(store, 'operator', token, now, OPERATOR_SESSION_POLICY);
  if (!session) return null;
  const user = yield* store.byId(session.userId);
  return user && !user.disabledAt ? user : null;
}

export function signOutOperator(deps: OperatorsDeps, token: string | undefined): void | Promise<void> {
  if (token) return operatorUnits(deps)((store) => endSessionSteps(store, 'operator', token));
}

/**
 * Admin only: the user can no longer sign in and their sessions end at once. The row is
 * kept (actions they recorded name them). Admins cannot disable themselves, so the last
 * admin cannot lock everyone out by mistake.
 */
export function disableOperatorUser(deps: OperatorsDeps, actor: OperatorUser, userId: string): OperatorUser | Promise<OperatorUser> {
  if (!can(actor.role, 'staff.manage')) throw new AppError('FORBIDDEN', 403, 'errors.forbidden');
  if (actor.id === userId) throw new AppError('CANNOT_DISABLE_SELF', 409, 'operator.errors.disable_self');
  const now = deps.clock.now().toISOString();
  return operatorUnits(deps)(function* (store) {
    const user = yield* store.byId(userId);
    if (!user) throw new AppError('USER_NOT_FOUND', 404, 'errors.user_not_found');
    if (!user.disabledAt) yield* store.disable(user.id, now);
    yield* endUserSessionsSteps(store, 'operator', user.id);
    return (yield* store.byId(user.id))!;
  });
}
