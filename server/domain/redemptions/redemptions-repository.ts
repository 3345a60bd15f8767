import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { merchants, movements, redemptions } from '../../../db/schema/index';
import type { Redemption } from './redemption';

/** Scoped to the shop: another shop's redemption is simply not found. */
export function findShopRedemption(tx: Tx, merchantId: string, id: string): Redemption | undefined {
  return tx.select().from(redemptions).where(and(eq(redemptions.id, id), eq(redemptions.merchantId, merchantId))).get();
}

/**
 * Conditional: only a completed redemption that no statement has paid. Under the
 * transaction's lock the caller has just checked both; a false return means the row moved
 * under it, and the caller rolls back.
 */
export function markVoided(tx: Tx, id: string, at: string, by: string, journalId: string): boolean {
  const res = tx
    .update(redemptions)
    .set({ status: 'voided', voidedAt: at, voidedBy: by, voidJournalId: journalId })
    .where(and(eq(redemptions.id, id), eq(redemptions.status, 'completed'), isNull(redemptions.statementId)))
    .run();
  return res.changes === 1;
}

/**
 * A voucher's use history for its holder: date, shop, amount, voided or not. Read through
 * the voucher's `redeem` movements (movements_voucher_seq_uq), each pointing at its
 * redemption by primary key: redemptions has no index on voucher_id (every index there is
 * paid by each till call), so filtering it by voucher scanned all history.
 */
export function voucherHistory(tx: Tx, voucherId: string) {
  return tx
    .select({ createdAt: redemptions.createdAt, amountCents: redemptions.amountCents, status: redemptions.status, merchantName: merchants.name, city: merchants.city })
    .from(movements)
    .innerJoin(redemptions, eq(redemptions.id, movements.redemptionId))
    .innerJoin(merchants, eq(merchants.id, redemptions.merchantId))
    .where(and(eq(movements.voucherId, voucherId), eq(movements.kind, 'redeem')))
    .orderBy(desc(redemptions.createdAt))
    .all();
}
