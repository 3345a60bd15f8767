import { and, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
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

/**
 * Spends a TOTP step: true when `step` is later than every step the user used before (the
 * row now says so), false when that code — or a later one — was already used. One
 * conditional UPDATE, so two sign-ins with the same code on two servers cannot both win.
 */
export function useTotpStep(tx: Tx, id: string, step: number): boolean {
  return tx.update(operatorUsers)
    .set({ totpLastStep: step })
    .where(and(eq(operatorUsers.id, id), isNotNull(operatorUsers.totpSecret), or(isNull(operatorUsers.totpLastStep), lt(operatorUsers.totpLastStep, step))))
    .run().changes === 1;
}

/**
 * Turns the second factor on, if it is off: the step of the code that proved the app is
 * spent (never moving the last used step backwards). False when it was already on.
 */
export function setTotpSecret(tx: Tx, id: string, secret: string, step: number): boolean {
  return tx.update(operatorUsers)
    .set({ totpSecret: secret, totpLastStep: sql`CASE WHEN ${operatorUsers.totpLastStep} IS NULL OR ${operatorUsers.totpLastStep} < ${step} THEN ${step} ELSE ${operatorUsers.totpLastStep} END` })
    .where(and(eq(operatorUsers.id, id), isNull(operatorUsers.totpSecret)))
    .run().changes === 1;
}
