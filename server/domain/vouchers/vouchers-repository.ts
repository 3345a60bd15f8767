import { asc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client';
import { movements, vouchers } from '../../../db/schema/index';
import { newId } from '../../lib/ids';
import type { Voucher } from './voucher';

export type NewVoucher = Omit<Voucher, 'balanceCents' | 'status' | 'expiryRemindedAt' | 'reissuedFrom' | 'blockReason'>;

/** Every voucher column under its Voucher name, for hand-written prepared statements. */
export const VOUCHER_COLUMNS = `id, code, campaign_id AS campaignId, order_id AS orderId, order_item_id AS orderItemId, amount_cents AS amountCents,
  balance_cents AS balanceCents, status, recipient_name AS recipientName, recipient_email AS recipientEmail, message, issued_at AS issuedAt, expires_at AS expiresAt, expiry_reminded_at AS expiryRemindedAt,
  reissued_from AS reissuedFrom, block_reason AS blockReason`;

const CHUNK = 500; // stays under SQLite's bound-parameter limit for multi-row inserts

/**
 * Inserts vouchers and their `issue` movements (balance = value). Callers run this in
 * the transaction that records the payment and its journal, so it is all or nothing.
 */
export function insertIssuedVouchers(tx: Tx, list: NewVoucher[], journalId: string, actor: string, now: Date): void {
  const at = now.toISOString();
  for (let i = 0; i < list.length; i += CHUNK) {
    const chunk = list.slice(i, i + CHUNK);
    tx.insert(vouchers).values(chunk.map((v) => ({ ...v, balanceCents: v.amountCents, status: 'active' as const }))).run();
    tx.insert(movements)
      .values(
        chunk.map((v) => ({
          id: newId(),
          voucherId: v.id,
          seq: 1,
          kind: 'issue' as const,
          amountCents: v.amountCents,
          balanceAfterCents: v.amountCents,
          journalId,
          orderId: v.orderId,
          actor,
          createdAt: at,
        })),
      )
      .run();
  }
}

export function findVoucherByCode(tx: Tx, code: string): Voucher | undefined {
  return tx.select().from(vouchers).where(eq(vouchers.code, code)).get();
}

export function findVoucherById(tx: Tx, id: string): Voucher | undefined {
  return tx.select().from(vouchers).where(eq(vouchers.id, id)).get();
}

export function listOrderVouchers(tx: Tx, orderId: string): Voucher[] {
  return tx.select().from(vouchers).where(eq(vouchers.orderId, orderId)).orderBy(asc(vouchers.issuedAt), asc(vouchers.code)).all();
}

/**
 * Appends one movement and moves the balance cache with it. `seq` is the next in the
 * voucher's chain; the unique (voucher, seq) index would reject a lost update. The
 * redemption hot path (redeem()) has its own prepared statements and does not come here.
 */
export function appendMovement(
  tx: Tx,
  v: Voucher,
  m: {
    kind: 'redeem' | 'void' | 'cancel' | 'adjust';
    amountCents: number;
    journalId: string;
    actor: string;
    status: Voucher['status'];
    redemptionId?: string;
    orderId?: string;
    reason?: string | null;
  },
  at: string,
): number {
  const last = tx.select({ seq: sql<number>`MAX(${movements.seq})` }).from(movements).where(eq(movements.voucherId, v.id)).get()?.seq ?? 0;
  const balanceAfter = v.balanceCents + m.amountCents;
  tx.insert(movements)
    .values({
      id: newId(), voucherId: v.id, seq: last + 1, kind: m.kind, amountCents: m.amountCents, balanceAfterCents: balanceAfter, journalId: m.journalId,
      orderId: m.orderId, redemptionId: m.redemptionId, actor: m.actor, reason: m.reason, createdAt: at,
    })
    .run();
  tx.update(vouchers).set({ balanceCents: balanceAfter, status: m.status }).where(eq(vouchers.id, v.id)).run();
  return balanceAfter;
}
