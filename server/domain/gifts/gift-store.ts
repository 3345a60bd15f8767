/**
 * What a gift send reads and writes, as steps over a store so one source (sendGiftSteps in
 * gifts-service.ts) serves both backends: sqliteGiftStore (the repositories, inside the
 * caller's BEGIN IMMEDIATE transaction) and pgGiftStore (gift-store-pg.ts).
 */
import type { Tx } from '../../../db/client';
import { done, type Step } from '../../../db/unit-of-work';
import { enqueueMessage, reschedulePending } from '../../mail/outbox-repository';
import type { Voucher } from '../vouchers/voucher';
import { findVoucherById } from '../vouchers/vouchers-repository';
import { insertGift, listLatestOrderGifts, updateGift, voucherGiftHistory, type GiftWithDelivery, type VoucherGift } from './gifts-repository';

export interface GiftReads {
  /** The latest send of each of the order's vouchers. */
  latestOrderGifts(orderId: string): Step<GiftWithDelivery[]>;
}

export interface GiftStore extends GiftReads {
  /**
   * The voucher the buyer gives; on PostgreSQL its row is locked for the transaction, so two
   * sends of one voucher at once take turns (SQLite's write lock does the same).
   */
  voucherForGift(id: string): Step<Voucher | undefined>;
  /** The voucher's latest send and how many it had. */
  history(voucherId: string): Step<{ latest: GiftWithDelivery | undefined; sends: number }>;
  insertGift(row: VoucherGift): Step<void>;
  updateGift(id: string, fields: Pick<VoucherGift, 'recipientEmail' | 'recipientName' | 'message' | 'sendAt'>): Step<void>;
  /** The gift's mail, due at `sendAt`; its id. */
  enqueue(msg: { kind: string; recipient: string; payload: object; sendAt: Date }, now: Date): Step<string>;
  /** Changes a message no worker claimed yet; false when it is no longer pending. */
  reschedulePending(id: string, recipient: string, sendAt: Date): Step<boolean>;
}

export function sqliteGiftStore(tx: Tx): GiftStore {
  return {
    latestOrderGifts: (orderId) => done(listLatestOrderGifts(tx, orderId)),
    voucherForGift: (id) => done(findVoucherById(tx, id)),
    history: (voucherId) => done(voucherGiftHistory(tx, voucherId)),
    insertGift: (row) => done(insertGift(tx, row)),
    updateGift: (id, fields) => done(updateGift(tx, id, fields)),
    enqueue: (msg, now) => done(enqueueMessage(tx, msg, now)),
    reschedulePending: (id, recipient, sendAt) => done(reschedulePending(tx, id, recipient, sendAt)),
  };
}
