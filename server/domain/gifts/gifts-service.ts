import type { Database_ } from '../../../db/client';
import type { PgDatabase } from '../../../db/postgres-pool';
import { pgUnits, sqliteUnits } from '../../../db/store-units';
import type { Step } from '../../../db/unit-of-work';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import type { Order } from '../orders/orders-repository';
import { deliveryState, planGift } from './gift-rules';
import { GIFT_KIND } from './gift-kinds';
import { sqliteGiftStore, type GiftStore } from './gift-store';
import { pgGiftStore } from './gift-store-pg';

export { GIFT_KIND, GIFT_SENT_KIND } from './gift-kinds';

export interface GiftInput {
  voucherId: string;
  recipientEmail: string;
  recipientName?: string;
  message?: string;
  /** null: now. */
  sendAt: Date | null;
}

/**
 * The buyer sends one of the order's vouchers to a recipient, now or at `sendAt`: one
 * transaction writes the send and its outbox row, due at that instant. The worker of any
 * process sends it when due; the outbox claim makes it once. Nothing is mailed here.
 * Steps over a GiftStore (gift-store.ts): run by storeUnits on either backend.
 */
export function* sendGiftSteps(store: GiftStore, order: Order, input: GiftInput, now: Date): Step<{ giftId: string; action: 'new' | 'reschedule'; sendAt: string }> {
  const found = yield* store.voucherForGift(input.voucherId);
  const voucher = found && found.orderId === order.id ? found : undefined;
  const history = yield* store.history(input.voucherId);
  const plan = planGift(
    { orderStatus: order.status, voucher, sends: history.sends, latest: history.latest ? deliveryState(history.latest.outboxStatus) : null },
    input.sendAt,
    now,
  );
  const fields = { recipientEmail: input.recipientEmail, recipientName: input.recipientName ?? null, message: input.message ?? null, sendAt: plan.sendAt.toISOString() };
  if (plan.action === 'reschedule') {
    const latest = history.latest!;
    // The worker may have claimed it since we read it: then it is being sent, not changed.
    if (!(yield* store.reschedulePending(latest.outboxMessageId, input.recipientEmail, plan.sendAt))) throw new AppError('GIFT_BEING_SENT', 409, 'gifts.errors.being_sent');
    yield* store.updateGift(latest.id, fields);
    return { giftId: latest.id, action: plan.action, sendAt: fields.sendAt };
  }
  const giftId = newId();
  const outboxMessageId = yield* store.enqueue({ kind: GIFT_KIND, recipient: input.recipientEmail, payload: { giftId }, sendAt: plan.sendAt }, now);
  yield* store.insertGift({ id: giftId, voucherId: input.voucherId, orderId: order.id, ...fields, outboxMessageId, createdAt: now.toISOString() });
  return { giftId, action: plan.action, sendAt: fields.sendAt };
}

export interface GiftsDeps {
  database: Database_;
  pg?: PgDatabase | null;
  clock: Clock;
}

/** sendGiftSteps in one transaction of the app's backend: synchronous on SQLite, a promise on PostgreSQL. */
export function sendGift(deps: GiftsDeps, order: Order, input: GiftInput) {
  const now = deps.clock.now();
  const units = deps.pg ? pgUnits(deps.pg, pgGiftStore) : sqliteUnits(deps.database, sqliteGiftStore);
  return units((store) => sendGiftSteps(store, order, input, now));
}
