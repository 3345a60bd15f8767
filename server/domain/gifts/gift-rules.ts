import { AppError } from '../../lib/errors';

/** Sends (first one and resends) one voucher may have: enough for a typo and a lost mail, too few to make a mailer of it. */
export const MAX_GIFT_SENDS = 5;
/** « Now » typed a few seconds late is still now; further back is a mistake worth telling. */
const PAST_TOLERANCE_MS = 5 * 60_000;

/** Where the voucher's latest send stands, from its outbox row. */
export type GiftDeliveryState = 'scheduled' | 'sending' | 'sent' | 'failed';

export interface GiftSituation {
  orderStatus: string;
  voucher: { status: string; expiresAt: string } | undefined;
  /** Sends asked for so far for this voucher. */
  sends: number;
  latest: GiftDeliveryState | null;
}

export type GiftPlan = { action: 'new' | 'reschedule'; sendAt: Date };

/**
 * What to do with a buyer's « send this voucher to … at … » (pure; `now` from the clock).
 * A send still waiting in the outbox is changed in place (new address, message or date)
 * rather than doubled: the recipient gets one mail. One already sent or given up is sent
 * again as a new send. One being sent right now cannot be changed.
 */
export function planGift(s: GiftSituation, sendAt: Date | null, now: Date): GiftPlan {
  if (!s.voucher) throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
  if (s.orderStatus !== 'paid') throw new AppError('GIFT_ORDER_NOT_PAID', 409, 'gifts.errors.order_not_paid');
  if (s.voucher.status !== 'active') throw new AppError('GIFT_VOUCHER_NOT_ACTIVE', 409, 'gifts.errors.voucher_not_active');
  const at = sendAt ?? now;
  if (at.getTime() < now.getTime() - PAST_TOLERANCE_MS) throw new AppError('GIFT_DATE_PAST', 422, 'gifts.errors.date_past', { sendAt: 'gifts.errors.date_past' });
  if (at.toISOString() > s.voucher.expiresAt) throw new AppError('GIFT_DATE_AFTER_EXPIRY', 422, 'gifts.errors.date_after_expiry', { sendAt: 'gifts.errors.date_after_expiry' });
  const when = at.getTime() < now.getTime() ? now : at;
  if (s.latest === 'sending') throw new AppError('GIFT_BEING_SENT', 409, 'gifts.errors.being_sent');
  if (s.latest === 'scheduled') return { action: 'reschedule', sendAt: when };
  if (s.sends >= MAX_GIFT_SENDS) throw new AppError('GIFT_SEND_LIMIT', 409, 'gifts.errors.send_limit', undefined, { max: MAX_GIFT_SENDS });
  return { action: 'new', sendAt: when };
}

/** The outbox row's status as the buyer reads it. */
export function deliveryState(outboxStatus: string): GiftDeliveryState {
  return outboxStatus === 'pending' ? 'scheduled' : outboxStatus === 'sending' ? 'sending' : outboxStatus === 'sent' ? 'sent' : 'failed';
}
