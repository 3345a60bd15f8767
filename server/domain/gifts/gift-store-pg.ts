/** The gift store (gift-store.ts) on PostgreSQL: named prepared statements on one pooled connection. */
import type pg from 'pg';
import { preparedOn } from '../../../db/postgres';
import { vouchers } from '../../../db/schema/index';
import { awaited, type Step } from '../../../db/unit-of-work';
import { newId } from '../../lib/ids';
import { selectList } from '../orders/order-creation-store-pg';
import type { Voucher } from '../vouchers/voucher';
import type { GiftWithDelivery } from './gifts-repository';
import type { GiftStore } from './gift-store';
import { GIFT_SENT_KIND } from './gift-kinds';

const VOUCHER = selectList(vouchers);
const WITH_DELIVERY = `SELECT g.id, g.voucher_id AS "voucherId", g.order_id AS "orderId", g.recipient_email AS "recipientEmail",
    g.recipient_name AS "recipientName", g.message, g.send_at AS "sendAt", g.outbox_message_id AS "outboxMessageId",
    g.created_at AS "createdAt", m.status AS "outboxStatus", m.sent_at AS "sentAt", m.last_error AS "lastError"
  FROM voucher_gifts g JOIN outbox_messages m ON m.id = g.outbox_message_id`;
// No rowid here: the latest send is the last created; ids are UUIDv7 (time-ordered) and break
// ties of one instant, and the voucher's row lock (voucherForGift) keeps one voucher's sends in turn.
const LATEST_FIRST = `g.created_at DESC, g.id DESC`;

export function pgGiftStore(client: pg.ClientBase): GiftStore {
  const q = preparedOn(client);
  const rows = <R>(name: string, text: string, values: unknown[]): Step<R[]> => awaited(async () => (await q<R>(name, text, values)).rows);
  return {
    latestOrderGifts: (orderId) =>
      rows<GiftWithDelivery>(
        'gift_latest_of_order',
        `SELECT x.* FROM (${WITH_DELIVERY.replace('SELECT', 'SELECT DISTINCT ON (g.voucher_id)')} WHERE g.order_id = $1
           ORDER BY g.voucher_id, ${LATEST_FIRST}) x ORDER BY x."createdAt", x.id`,
        [orderId],
      ),
    voucherForGift: (id) => awaited(async () => (await q<Voucher>('gift_voucher_lock', `SELECT ${VOUCHER} FROM vouchers WHERE id = $1 FOR UPDATE`, [id])).rows[0]),
    history: (voucherId) =>
      awaited(async () => {
        const latest = (await q<GiftWithDelivery>('gift_latest_of_voucher', `${WITH_DELIVERY} WHERE g.voucher_id = $1 ORDER BY ${LATEST_FIRST} LIMIT 1`, [voucherId])).rows[0];
        const sends = Number((await q<{ n: string }>('gift_sends_of_voucher', `SELECT COUNT(*) AS n FROM voucher_gifts WHERE voucher_id = $1`, [voucherId])).rows[0]!.n);
        return { latest, sends };
      }),
    insertGift: (g) =>
      awaited(async () => {
        await q(
          'gift_insert',
          `INSERT INTO voucher_gifts (id, voucher_id, order_id, recipient_email, recipient_name, message, send_at, outbox_message_id, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [g.id, g.voucherId, g.orderId, g.recipientEmail, g.recipientName, g.message, g.sendAt, g.outboxMessageId, g.createdAt],
        );
      }),
    updateGift: (id, f) =>
      awaited(async () => {
        await q('gift_update', `UPDATE voucher_gifts SET recipient_email = $2, recipient_name = $3, message = $4, send_at = $5 WHERE id = $1`, [id, f.recipientEmail, f.recipientName, f.message, f.sendAt]);
      }),
    enqueue: (msg, now) =>
      awaited(async () => {
        const id = newId();
        await q(
          'gift_enqueue',
          `INSERT INTO outbox_messages (id, kind, recipient, payload, status, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6)`,
          [id, msg.kind, msg.recipient, JSON.stringify(msg.payload), msg.sendAt.toISOString(), now.toISOString()],
        );
        return id;
      }),
    reschedulePending: (id, recipient, sendAt) =>
      awaited(async () => {
        const r = await q(
          'gift_reschedule',
          `UPDATE outbox_messages SET recipient = $2, next_attempt_at = $3, attempts = 0, last_error = NULL WHERE id = $1 AND status = 'pending'`,
          [id, recipient, sendAt.toISOString()],
        );
        return r.rowCount === 1;
      }),
  };
}

/**
 * afterGiftSent (mail/gift-messages.ts) on PostgreSQL, run by the outbox store in the
 * transaction that marks the gift's mail sent: the buyer's note exists if and only if it was.
 */
export async function pgAfterGiftSent(client: pg.ClientBase, msg: { payload: string }, now: Date): Promise<void> {
  const q = preparedOn(client);
  const { giftId } = JSON.parse(msg.payload) as { giftId: string };
  const buyer = (await q<{ email: string }>('gift_buyer_email', `SELECT o.buyer_email AS email FROM voucher_gifts g JOIN orders o ON o.id = g.order_id WHERE g.id = $1`, [giftId])).rows[0];
  if (!buyer) return;
  const at = now.toISOString();
  await q(
    'gift_sent_note',
    `INSERT INTO outbox_messages (id, kind, recipient, payload, status, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)`,
    [newId(), GIFT_SENT_KIND, buyer.email, JSON.stringify({ giftId, sentAt: at }), at],
  );
}
