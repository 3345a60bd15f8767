/**
 * Sign-in sessions of both realms: shop users (cookie `sid`) and operator staff (cookie
 * `osid`) share the `sessions` table. Every lookup, extension and deletion names the
 * realm in its SQL, so a shop session token can never be read, extended or ended as an
 * operator's, nor the other way round.
 */
import { and, eq, lt } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { sessions } from '../../../db/schema/index';

export type Session = typeof sessions.$inferSelect;
export type SessionRealm = Session['realm'];

/** The row names its realm (the column defaults to 'shop'). */
export function insertSession(tx: Tx, s: typeof sessions.$inferInsert): void {
  tx.insert(sessions).values(s).run();
}

export function findSession(tx: Tx, realm: SessionRealm, tokenHash: string): Session | undefined {
  return tx.select().from(sessions).where(and(eq(sessions.tokenHash, tokenHash), eq(sessions.realm, realm))).get();
}

export function extendSession(tx: Tx, realm: SessionRealm, tokenHash: string, expiresAt: string): void {
  tx.update(sessions).set({ expiresAt }).where(and(eq(sessions.tokenHash, tokenHash), eq(sessions.realm, realm))).run();
}

/** Ends one session: sign-out ends the caller's own, never another of the user's. */
export function deleteSession(tx: Tx, realm: SessionRealm, tokenHash: string): void {
  tx.delete(sessions).where(and(eq(sessions.tokenHash, tokenHash), eq(sessions.realm, realm))).run();
}

/** Ends every session of one user (new password, removed or disabled user). */
export function deleteUserSessions(tx: Tx, realm: SessionRealm, userId: string): void {
  tx.delete(sessions).where(and(eq(sessions.userId, userId), eq(sessions.realm, realm))).run();
}

/** Housekeeping of both realms: an expired session is refused anyway, this only frees the rows. */
export function deleteExpiredSessions(tx: Tx, now: string): void {
  tx.delete(sessions).where(lt(sessions.expiresAt, now)).run();
}
