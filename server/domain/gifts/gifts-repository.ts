import type { Db, Tx } from '../../../db/client';
import { voucherGifts } from '../../../db/schema/index';
import { sqliteOf } from '../../../db/client';
import { eq } from 'drizzle-orm';

export type VoucherGift = typeof voucherGifts.$inferSelect;

/** A send with where its mail stands (the outbox row's status and sent_at). */
export interface GiftWithDelivery extends VoucherGift {
  outboxStatus: string;
  sentAt: string | null;
  lastError: string | null;
}

const WITH_DELIVERY = `SELECT g.id, g.voucher_id AS voucherId, g.order_id AS orderId, g.recipient_email AS recipientEmail,
    g.recipient_name AS recipientName, g.message, g.send_at AS sendAt, g.outbox_message_id AS outboxMessageId,
    g.created_at AS createdAt, m.status AS outboxStatus, m.sent_at AS sentAt, m.last_error AS lastError
  FROM voucher_gifts g JOIN outbox_messages m ON m.id = g.outbox_message_id`;

/** The latest send of each of the order's vouchers (rowid breaks ties of one instant). */
export function listLatestOrderGifts(db: Db | Tx, orderId: string): GiftWithDelivery[] {
  return sqliteOf(db)
    .prepare<[string], GiftWithDelivery>(
      `${WITH_DELIVERY} WHERE g.rowid IN (SELECT MAX(rowid) FROM voucher_gifts WHERE order_id = ? GROUP BY voucher_id)`,
    )
    .all(orderId);
}

/** The voucher's latest send and how many it had. */
export function voucherGiftHistory(tx: Tx, voucherId: string): { latest: GiftWithDelivery | undefined; sends: number } {
  const sqlite = sqliteOf(tx);
  const latest = sqlite.prepare<[string], GiftWithDelivery>(`${WITH_DELIVERY} WHERE g.voucher_id = ? ORDER BY g.rowid DESC LIMIT 1`).get(voucherId);
  const sends = sqlite.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM voucher_gifts WHERE voucher_id = ?').get(voucherId)!.n;
  return { latest, sends };
}

export function findGift(db: Db | Tx, id: string): VoucherGift | undefined {
  return db.select().from(voucherGifts).where(eq(voucherGifts.id, id)).get();
}

export function insertGift(tx: Tx, row: VoucherGift): void {
  tx.insert(voucherGifts).values(row).run();
}

export function updateGift(tx: Tx, id: string, fields: Pick<VoucherGift, 'recipientEmail' | 'recipientName' | 'message' | 'sendAt'>): void {
  tx.update(voucherGifts).set(fields).where(eq(voucherGifts.id, id)).run();
}
