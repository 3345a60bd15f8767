import type { Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import { deleteExpiredSessions, deleteSession, deleteUserSessions, extendSession, findSession, insertSession, type Session, type SessionRealm } from './sessions-repository';

/**
 * Sessions live in the database (`sessions`, by token hash and realm), so a cookie issued by
 * one server is honoured by every other and a revocation (sign-out, new password, disabled
 * user) holds on all of them at once: no server keeps sessions in memory. The rules
 * (sessions.ts) are written once as Steps; SQLite here, PostgreSQL in sessions-store-pg.ts.
 */
export interface SessionStore {
  insert(s: Session): Step<void>;
  find(realm: SessionRealm, tokenHash: string): Step<Session | undefined>;
  extend(realm: SessionRealm, tokenHash: string, expiresAt: string): Step<void>;
  delete(realm: SessionRealm, tokenHash: string): Step<void>;
  deleteUser(realm: SessionRealm, userId: string): Step<void>;
  deleteExpired(now: string): Step<void>;
}

export function sqliteSessionStore(tx: Tx): SessionStore {
  return {
    insert: (s) => done(insertSession(tx, s)),
    find: (realm, hash) => done(findSession(tx, realm, hash)),
    extend: (realm, hash, expiresAt) => done(extendSession(tx, realm, hash, expiresAt)),
    delete: (realm, hash) => done(deleteSession(tx, realm, hash)),
    deleteUser: (realm, userId) => done(deleteUserSessions(tx, realm, userId)),
    deleteExpired: (now) => done(deleteExpiredSessions(tx, now)),
  };
}
