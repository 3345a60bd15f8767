import { eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { operatorUsers } from '../../../db/schema/index';

export type OperatorUser = typeof operatorUsers.$inferSelect;

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
