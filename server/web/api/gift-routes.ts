import { Router } from 'express';
import { z } from 'zod';
import { deliveryState } from '../../domain/gifts/gift-rules';
import type { GiftWithDelivery } from '../../domain/gifts/gifts-repository';
import { sqliteGiftStore, type GiftReads } from '../../domain/gifts/gift-store';
import { pgGiftStore } from '../../domain/gifts/gift-store-pg';
import { sendGift } from '../../domain/gifts/gifts-service';
import { sqliteOrderReads, type OrderReads } from '../../domain/orders/order-reads';
import { pgOrderReads } from '../../domain/orders/order-reads-pg';
import { sqliteHolderStore, type HolderStore } from '../../domain/vouchers/holder-store';
import { pgHolderStore } from '../../domain/vouchers/holder-store-pg';
import { storeReads } from '../backend-units';
import { instant } from '../../lib/calendar-date';
import { formatCode, parseCode } from '../../lib/codes';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';
import { orderFor } from './order-access';
import { plainText } from './plain-text-schema';
import { emailSchema } from './schemas';
import { validate } from './validate';

const giftSchema = z.strictObject({
  code: z.string().max(40).pipe(plainText()),
  recipientEmail: z.string().max(254, { message: 'errors.email' }).pipe(emailSchema),
  recipientName: z.string().trim().max(80, { message: 'errors.too_long' }).pipe(plainText()).optional(),
  message: z.string().trim().max(300, { message: 'errors.message_too_long' }).pipe(plainText(true)).optional(),
  /** ISO 8601 with offset; absent: now. */
  sendAt: instant.optional(),
});

function giftJson(g: GiftWithDelivery, code: string) {
  return {
    id: g.id,
    code: formatCode(code),
    recipientEmail: g.recipientEmail,
    recipientName: g.recipientName,
    message: g.message,
    sendAt: g.sendAt,
    status: deliveryState(g.outboxStatus),
    sentAt: g.outboxStatus === 'sent' ? g.sentAt : null,
  };
}

/**
 * The order's gifts for API callers holding the order (buyer's access token, operator's
 * admin key): GET lists each voucher's latest send; POST sends a voucher (by code) to a
 * recipient now or at `sendAt` — 201 for a new send, 200 when a waiting one was changed.
 */
export function giftApiRoutes(ctx: AppContext): Router {
  const r = Router();
  // The order's vouchers (their codes) and latest sends, read together on either backend.
  // The voucher named by its code: one indexed look-up (the holder's pages' own), not the order's list.
  type Reads = OrderReads & GiftReads & Pick<HolderStore, 'voucherByCode'>;
  const reads = storeReads<Reads>(
    ctx,
    (tx) => ({ ...sqliteOrderReads(tx), ...sqliteGiftStore(tx), voucherByCode: sqliteHolderStore(tx).voucherByCode }),
    (c) => ({ ...pgOrderReads(c), ...pgGiftStore(c), voucherByCode: pgHolderStore(c).voucherByCode }),
  );
  const giftsOf = (orderId: string) =>
    reads(function* (s) {
      const codes = new Map((yield* s.vouchers(orderId)).map((v) => [v.id, v.code]));
      return { codes, gifts: yield* s.latestOrderGifts(orderId) };
    });

  r.get('/orders/:id/gifts', async (req, res) => {
    const order = await orderFor(ctx, req);
    const { codes, gifts } = await giftsOf(order.id);
    res.set('Cache-Control', 'no-store').json({ gifts: gifts.map((g) => giftJson(g, codes.get(g.voucherId)!)) });
  });

  r.post('/orders/:id/gifts', async (req, res) => {
    const order = await orderFor(ctx, req);
    const body = validate(giftSchema, req.body);
    const parsed = parseCode(body.code);
    const voucher = parsed.ok ? await reads((s) => s.voucherByCode(parsed.code)) : undefined;
    if (!voucher || voucher.orderId !== order.id) throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
    const done = await sendGift(ctx, order, {
      voucherId: voucher.id,
      recipientEmail: body.recipientEmail,
      recipientName: body.recipientName || undefined,
      message: body.message || undefined,
      sendAt: body.sendAt ? new Date(body.sendAt) : null,
    });
    ctx.kickOutbox();
    const gift = (await reads((s) => s.latestOrderGifts(order.id))).find((g) => g.id === done.giftId)!;
    res.status(done.action === 'new' ? 201 : 200).json({ gift: giftJson(gift, voucher.code) });
  });
  return r;
}
