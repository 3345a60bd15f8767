import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { merchants, merchantUsers, passwordTokens } from '../../../db/schema/index';

export type MerchantUser = typeof merchantUsers.$inferSelect;
export type Merchant = typeof merchants.$inferSelect;

export function findMerchantBySlug(tx: Tx, slug: string): Merchant | undefined {
  return tx.select().from(merchants).where(eq(merchants.slug, slug)).get();
}

export function findMerchantById(tx: Tx, id: string): Merchant | undefined {
  return tx.select().from(merchants).where(eq(merchants.id, id)).get();
}

export function findUserByEmail(tx: Tx, email: string): MerchantUser | undefined {
  return tx.select().from(merchantUsers).where(eq(merchantUsers.email, email.toLowerCase())).get();
}

export function findUserById(tx: Tx, id: string): MerchantUser | undefined {
  return tx.select().from(merchantUsers).where(eq(merchantUsers.id, id)).get();
}

export function insertUser(tx: Tx, u: MerchantUser): void {
  tx.insert(merchantUsers).values(u).run();
}

export function updateUser(tx: Tx, id: string, patch: Partial<MerchantUser>): void {
  tx.update(merchantUsers).set(patch).where(eq(merchantUsers.id, id)).run();
}

export function listShopUsers(tx: Tx, merchantId: string): MerchantUser[] {
  return tx.select().from(merchantUsers).where(and(eq(merchantUsers.merchantId, merchantId), isNull(merchantUsers.removedAt))).orderBy(asc(merchantUsers.role), asc(merchantUsers.name)).all();
}

export function insertPasswordToken(tx: Tx, t: typeof passwordTokens.$inferInsert): void {
  tx.insert(passwordTokens).values(t).run();
}

export function findPasswordToken(tx: Tx, tokenHash: string) {
  return tx.select().from(passwordTokens).where(eq(passwordTokens.tokenHash, tokenHash)).get();
}

/** Marks every unused link of the user as used (the one just followed and any older one). */
export function spendPasswordTokens(tx: Tx, userId: string, at: string): void {
  tx.update(passwordTokens).set({ usedAt: at }).where(and(eq(passwordTokens.userId, userId), isNull(passwordTokens.usedAt))).run();
}
