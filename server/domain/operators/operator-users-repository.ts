import { and, asc, eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { operatorUsers, sessions } from '../../../db/schema/index';

export type OperatorUser = typeof operatorUsers.$inferSelect;
type Session = typeof sessions.$inferSelect;

export function findOperatorByEmail(tx: Tx, email: string): OperatorUser | undefined {
  return tx.select().from(operatorUsers).where(eq(operatorUsers.email, email.toLowerCase())).get();
}

export function findOperatorById(tx: Tx, id: string): OperatorUser | undefined {
  return tx.select().from(operatorUsers).where(eq(operatorUsers.id, id)).get();
}

export function insertOperator(tx: Tx, u: OperatorUser): void {
  tx.insert(operatorUsers).values(u).run();
}

export function updateOperator(tx: Tx, id: string, patch: Partial<OperatorUser>): void {
  tx.update(operatorUsers).set(patch).where(eq(operatorUsers.id, id)).run();
}

export function listOperators(tx: Tx): OperatorUser[] {
  return tx.select().from(operatorUsers).orderBy(asc(operatorUsers.role), asc(operatorUsers.email)).all();
}

// Sessions: every query names the realm, so a shop session token can never be read as
// an operator's (the shop lookup filters on realm 'shop' the same way).
export function insertOperatorSession(tx: Tx, s: Omit<Session, 'realm'>): void {
  tx.insert(sessions).values({ ...s, realm: 'operator' }).run();
}

export function findOperatorSession(tx: Tx, tokenHash: string): Session | undefined {
  return tx.select().from(sessions).where(and(eq(sessions.tokenHash, tokenHash), eq(sessions.realm, 'operator'))).get();
}

export function extendOperatorSession(tx: Tx, tokenHash: string, expiresAt: string): void {
  tx.update(sessions).set({ expiresAt }).where(and(eq(sessions.tokenHash, tokenHash), eq(sessions.realm, 'operator'))).run();
}

export function deleteOperatorSession(tx: Tx, tokenHash: string): void {
  tx.delete(sessions).where(and(eq(sessions.tokenHash, tokenHash), eq(sessions.realm, 'operator'))).run();
}

export function deleteOperatorSessions(tx: Tx, userId: string): void {
  tx.delete(sessions).where(and(eq(sessions.userId, userId), eq(sessions.realm, 'operator'))).run();
}
