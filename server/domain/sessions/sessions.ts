import { sha256 } from '../../lib/ids';
import type { Step } from '../../../db/unit-of-work';
import type { Session, SessionRealm } from './sessions-repository';
import type { SessionStore } from './sessions-store';

/**
 * The session rules of both realms, once, as Steps over a SessionStore (SQLite or
 * PostgreSQL): a session is live until its expiry; a realm with an idle limit slides that
 * expiry forward on use, never past the session's maximum age, and writes it at most once
 * per `extendEveryMs` (a write on every request would cost more than it protects).
 */
export interface SessionPolicy {
  /** The first expiry, from the sign-in instant. */
  ttlMs: number;
  /** Sliding idle expiry (operator staff); absent: the expiry is fixed (shops). */
  slide?: { idleMs: number; maxMs: number; extendEveryMs: number };
}

export const isLive = (s: Pick<Session, 'expiresAt'>, now: Date) => new Date(s.expiresAt).getTime() > now.getTime();

/** The expiry to write now, or null when none is due. */
export function slidExpiry(s: Pick<Session, 'createdAt' | 'expiresAt'>, now: Date, policy: SessionPolicy): string | null {
  if (!policy.slide) return null;
  const slid = Math.min(now.getTime() + policy.slide.idleMs, new Date(s.createdAt).getTime() + policy.slide.maxMs);
  return slid - new Date(s.expiresAt).getTime() >= policy.slide.extendEveryMs ? new Date(slid).toISOString() : null;
}

export function* openSessionSteps(store: SessionStore, realm: SessionRealm, userId: string, token: string, now: Date, policy: SessionPolicy): Step<Session> {
  const session: Session = { tokenHash: sha256(token), userId, realm, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + policy.ttlMs).toISOString() };
  yield* store.insert(session);
  return session;
}

/** The live session behind a cookie's token (its expiry slid when due), or null. Whether its user may still act is the realm's check. */
export function* liveSessionSteps(store: SessionStore, realm: SessionRealm, token: string, now: Date, policy: SessionPolicy): Step<Session | null> {
  const hash = sha256(token);
  const session = yield* store.find(realm, hash);
  if (!session || !isLive(session, now)) return null;
  const expiresAt = slidExpiry(session, now, policy);
  if (expiresAt) yield* store.extend(realm, hash, expiresAt);
  return expiresAt ? { ...session, expiresAt } : session;
}

export function endSessionSteps(store: SessionStore, realm: SessionRealm, token: string): Step<void> {
  return store.delete(realm, sha256(token));
}

export function endUserSessionsSteps(store: SessionStore, realm: SessionRealm, userId: string): Step<void> {
  return store.deleteUser(realm, userId);
}
