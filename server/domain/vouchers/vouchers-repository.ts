import { asc, eq } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { vouchers } from '../../../db/schema/index';
import type { Voucher } from './voucher';

/*
 * Reads only. Every write of a voucher's balance or status, and every movement, goes
 * through the ledger writer (voucher-ledger.ts).
 */

/** Every voucher column under its Voucher name, for hand-written prepared statements. */
export const VOUCHER_COLUMNS = `id, code, campaign_id AS campaignId, order_id AS orderId, order_item_id AS orderItemId, amount_cents AS amountCents,
  balance_cents AS balanceCents, status, recipient_name AS recipientName, recipient_email AS recipientEmail, message, issued_at AS issuedAt, expires_at AS expiresAt, expiry_reminded_at AS expiryRemindedAt,
  reissued_from AS reissuedFrom, block_reason AS blockReason`;

export function findVoucherByCode(tx: Tx, code: string): Voucher | undefined {
  return tx.select().from(vouchers).where(eq(vouchers.code, code)).get();
}

export function findVoucherById(tx: Tx, id: string): Voucher | undefined {
  return tx.select().from(vouchers).where(eq(vouchers.id, id)).get();
}

export function listOrderVouchers(tx: Tx, orderId: string): Voucher[] {
  return tx.select().from(vouchers).where(eq(vouchers.orderId, orderId)).orderBy(asc(vouchers.issuedAt), asc(vouchers.code)).all();
}
