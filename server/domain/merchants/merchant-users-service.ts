import type { Database_, Tx } from '../../../db/client';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId, newToken, sha256 } from '../../lib/ids';
import { hashPassword, isAcceptablePassword, verifyPassword } from '../../lib/passwords';
import { enqueueMessage } from '../../mail/outbox-repository';
import {
  findMerchantById,
  findPasswordToken,
  findUserById,
  insertPasswordToken,
  listShopUsers,
  updateUser,
  spendPasswordTokens,
  type Merchant,
  type MerchantUser,
} from './merchant-users-repository';
import { endSessionSteps, endUserSessionsSteps, isLive, openSessionSteps, type SessionPolicy } from '../sessions/sessions';
import { findSession } from '../sessions/sessions-repository';
import type { PgDatabase } from '../../../db/postgres-pool';
import { pgUnits, sqliteDirect, sqliteUnits, type Units } from '../../../db/store-units';
import { runSync, type Step } from '../../../db/unit-of-work';
import { sqliteShopAccountStore, type ShopAccountStore } from './shop-accounts-store';
import { pgShopAccountStore } from './shop-accounts-store-pg';

export interface UsersDeps {
  database: Database_;
  clock: Clock;
  /** The app's PostgreSQL pool when it runs there (accounts are then read and written through it). */
  pg?: PgDatabase | null;
}

/** Shop accounts' units of work on the app's backend: SQLite's write transaction, or a pooled PostgreSQL one. */
export function accountUnits(deps: UsersDeps): Units<ShopAccountStore> {
  return deps.pg ? pgUnits(deps.pg, pgShopAccountStore) : sqliteUnits(deps.database, sqliteShopAccountStore);
}

/** Reads only: on SQLite outside any transaction (each statement on its own, as before), pooled on PostgreSQL. */
function accountReads(deps: UsersDeps): Units<ShopAccountStore> {
  return deps.pg ? pgUnits(deps.pg, pgShopAccountStore) : sqliteDirect(deps.database, sqliteShopAccountStore);
}

const SESSION_DAYS = 14;
/** A shop session lasts 14 days from sign-in, not slid (sessions.ts). */
export const SHOP_SESSION_POLICY: SessionPolicy = { ttlMs: SESSION_DAYS * 86400_000 };
const RESET_MINUTES = 60;
/** An invitation (staff or shop owner) lasts long enough for a busy shopkeeper. */
const INVITE_DAYS = 7;

export interface SignedInUser {
  user: MerchantUser;
  merchant: Merchant;
}

/**
 * CLI and seed: a user with a password, for an existing shop — on the app's backend
 * (`deps.pg` set: a pooled PostgreSQL unit; the unique email refuses a concurrent twin).
 */
export async function createMerchantUser(deps: UsersDeps, input: { merchantSlug: string; email: string; password: string; role: 'owner' | 'staff'; name?: string }): Promise<MerchantUser> {
  if (!isAcceptablePassword(input.password)) throw new AppError('WEAK_PASSWORD', 422, 'errors.weak_password', { password: 'errors.weak_password' });
  const passwordHash = await hashPassword(input.password);
  const createdAt = deps.clock.now().toISOString();
  return accountUnits(deps)(function* (store) {
    const merchant = yield* store.merchantBySlug(input.merchantSlug);
    if (!merchant) throw new AppError('MERCHANT_NOT_FOUND', 404, 'errors.merchant_not_found');
    const email = input.email.trim().toLowerCase();
    if (yield* store.userByEmail(email)) throw new AppError('EMAIL_TAKEN', 409, 'errors.email_taken', { email: 'errors.email_taken' });
    const user: MerchantUser = { id: newId(), merchantId: merchant.id, email, name: input.name ?? email.split('@')[0]!, role: input.role, passwordHash, createdAt, removedAt: null };
    yield* store.insertUser(user);
    return user;
  });
}

/**
 * Checks a password and opens a session. An unknown email, a removed user, a shop that is
 * not approved (pending, refused, suspended) and a wrong password all get the same error
 * after the same work: one lookup of the user and the shop, then one scrypt (verifyPassword
 * hashes against a dummy without a usable hash) — so sign-in reveals neither accounts nor
 * whether a suspended shop's password was right.
 */
export async function signIn(deps: UsersDeps, email: string, password: string): Promise<{ token: string; user: MerchantUser }> {
  const { user, merchant } = await accountReads(deps)(function* (store) {
    const user = yield* store.userByEmail(email.trim());
    return { user, merchant: user ? yield* store.merchantById(user.merchantId) : undefined };
  });
  const usable = user && !user.removedAt && merchant?.status === 'approved' ? user.passwordHash : null;
  const ok = await verifyPassword(password, usable);
  if (!user || !usable || !ok) throw new AppError('INVALID_CREDENTIALS', 401, 'errors.invalid_credentials');
  const token = newToken();
  const now = deps.clock.now();
  await accountUnits(deps)((store) => openSessionSteps(store.sessions, 'shop', user.id, token, now, SHOP_SESSION_POLICY));
  return { token, user };
}

/** The user behind a session cookie, if the session is live and the user still active. */
export function userForSession(deps: UsersDeps, token: string | undefined): SignedInUser | null {
  if (!token) return null;
  const db = deps.database.db;
  // Only shop sessions (filtered in SQL): an operator's session token must never act as a shop user.
  const session = findSession(db, 'shop', sha256(token));
  if (!session || !isLive(session, deps.clock.now())) return null;
  const user = findUserById(db, session.userId);
  if (!user || user.removedAt) return null;
  const merchant = findMerchantById(db, user.merchantId);
  if (!merchant || merchant.status !== 'approved') return null;
  return { user, merchant };
}

export async function signOut(deps: UsersDeps, token: string | undefined): Promise<void> {
  if (token) await accountUnits(deps)((store) => endSessionSteps(store.sessions, 'shop', token));
}

/** The mails that carry a one-time password link; the first is a reset, the others invitations. */
export type PasswordLinkMail = 'password_reset' | 'staff_invitation' | 'owner_invitation';

/**
 * A one-time link to set a password (reset: one hour; invitation: INVITE_DAYS) and its mail,
 * in the caller's transaction. Staff invitations, resets and the owner's invitation when
 * an operator approves a shop all go through the same password_tokens table and page.
 */
export function issuePasswordLink(tx: Tx, now: Date, user: Pick<MerchantUser, 'id' | 'email'>, kind: PasswordLinkMail, locale: string): void {
  runSync(passwordLinkSteps(sqliteShopAccountStore(tx), now, user, kind, locale));
}

/** The Steps of `issuePasswordLink`, for units of work on either backend. */
export function* passwordLinkSteps(store: ShopAccountStore, now: Date, user: Pick<MerchantUser, 'id' | 'email'>, kind: PasswordLinkMail, locale: string): Step<void> {
  const purpose = kind === 'password_reset' ? 'reset' : 'invite';
  const token = newToken();
  const ttl = purpose === 'reset' ? RESET_MINUTES * 60_000 : INVITE_DAYS * 86400_000;
  yield* store.insertPasswordToken({ tokenHash: sha256(token), userId: user.id, purpose, expiresAt: new Date(now.getTime() + ttl).toISOString() });
  // The token travels in the outbox payload (it must reach the mail); it is single-use and short-lived.
  yield* store.enqueue({ kind, recipient: user.email, payload: { userId: user.id, token, locale } }, now);
}

function* passwordTokenSteps(store: ShopAccountStore, token: string, now: Date): Step<{ user: MerchantUser; purpose: 'reset' | 'invite' }> {
  const row = yield* store.passwordToken(sha256(token));
  const user = row && (yield* store.userById(row.userId));
  if (!row || row.usedAt || new Date(row.expiresAt) <= now || !user || user.removedAt) {
    throw new AppError('LINK_EXPIRED', 410, 'errors.link_expired');
  }
  return { user, purpose: row.purpose };
}

export function checkPasswordToken(deps: UsersDeps, token: string): { user: MerchantUser; purpose: 'reset' | 'invite' } | Promise<{ user: MerchantUser; purpose: 'reset' | 'invite' }> {
  const now = deps.clock.now();
  return accountReads(deps)((store) => passwordTokenSteps(store, token, now));
}

/** Sets the password from a link; the link and every other outstanding link of the user are spent, and every other session of the user ends. */
export async function setPasswordWithToken(deps: UsersDeps, token: string, password: string): Promise<MerchantUser> {
  if (!isAcceptablePassword(password)) throw new AppError('WEAK_PASSWORD', 422, 'errors.weak_password', { password: 'errors.weak_password' });
  await checkPasswordToken(deps, token);
  const hash = await hashPassword(password);
  const now = deps.clock.now();
  return accountUnits(deps)(function* (store) {
    const row = yield* store.passwordToken(sha256(token));
    if (!row || row.usedAt) throw new AppError('LINK_EXPIRED', 410, 'errors.link_expired');
    // Every outstanding link of the user is spent with this one: an older reset mail (or a
    // stale invitation) must not set the password again once it was set. On PostgreSQL the
    // UPDATE waits for a concurrent one on the same links; only one of them finds any unused.
    yield* store.spendPasswordTokens(row.userId, now.toISOString());
    yield* store.setPasswordHash(row.userId, hash);
    yield* endUserSessionsSteps(store.sessions, 'shop', row.userId);
    return (yield* store.userById(row.userId))!;
  });
}

/** Owner only: invites a staff member, who sets a password from the emailed link. */
export function inviteStaff(deps: UsersDeps, owner: SignedInUser, input: { email: string; name: string }, locale: string): MerchantUser | Promise<MerchantUser> {
  if (owner.user.role !== 'owner') throw new AppError('FORBIDDEN', 403, 'errors.forbidden');
  const now = deps.clock.now();
  return accountUnits(deps)(function* (store) {
    const email = input.email.trim().toLowerCase();
    if (yield* store.userByEmail(email)) throw new AppError('EMAIL_TAKEN', 409, 'errors.email_taken', { email: 'errors.email_taken' });
    const user: MerchantUser = { id: newId(), merchantId: owner.merchant.id, email, name: input.name.trim(), role: 'staff', passwordHash: null, createdAt: now.toISOString(), removedAt: null };
    // Two invitations of one address at once: the unique email refuses the second INSERT (an
    // error, as on SQLite where the write lock orders them and the second finds the first).
    yield* store.insertUser(user);
    yield* passwordLinkSteps(store, now, user, 'staff_invitation', locale);
    return user;
  });
}

/** Owner only: removes a staff member of the same shop; their sessions end at once. */
export function removeStaff(deps: UsersDeps, owner: SignedInUser, userId: string): void | Promise<void> {
  if (owner.user.role !== 'owner') throw new AppError('FORBIDDEN', 403, 'errors.forbidden');
  const now = deps.clock.now();
  return accountUnits(deps)(function* (store) {
    const user = yield* store.userById(userId);
    if (!user || user.merchantId !== owner.merchant.id || user.removedAt || user.role !== 'staff') throw new AppError('USER_NOT_FOUND', 404, 'errors.user_not_found');
    yield* store.markRemoved(user.id, now.toISOString());
    yield* endUserSessionsSteps(store.sessions, 'shop', user.id);
  });
}

export function shopTeam(deps: UsersDeps, merchantId: string): MerchantUser[] | Promise<MerchantUser[]> {
  return accountReads(deps)((store) => store.team(merchantId));
}
