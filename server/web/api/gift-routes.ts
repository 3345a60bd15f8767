import { Router } from 'express';
import { z } from 'zod';
import { deliveryState } from '../../domain/gifts/gift-rules';
import { listLatestOrderGifts, type GiftWithDelivery } from '../../domain/gifts/gifts-repository';
import { sendGift } from '../../domain/gifts/gifts-service';
import { findVoucherByCode, listOrderVouchers } from '../../domain/vouchers/vouchers-repository';
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
  const db = ctx.database.db;
  const codesOf = (orderId: string) => new Map(listOrderVouchers(db, orderId).map((v) => [v.id, v.code]));

  r.get('/orders/:id/gifts', async (req, res) => {
    const order = await orderFor(ctx, req);
    const codes = codesOf(order.id);
    res.set('Cache-Control', 'no-store').json({ gifts: listLatestOrderGifts(db, order.id).map((g) => giftJson(g, codes.get(g.voucherId)!)) });
  });

  r.post('/orders/:id/gifts', async (req, res) => {
    const order = await orderFor(ctx, req);
    const body = validate(giftSchema, req.body);
    const parsed = parseCode(body.code);
    const voucher = parsed.ok ? findVoucherByCode(db, parsed.code) : undefined;
    if (!voucher || voucher.orderId !== order.id) throw new AppError('VOUCHER_NOT_FOUND', 404, 'errors.voucher_not_found');
    const done = sendGift(ctx, order, {
      voucherId: voucher.id,
      recipientEmail: body.recipientEmail,
      recipientName: body.recipientName || undefined,
      message: body.message || undefined,
      sendAt: body.sendAt ? new Date(body.sendAt) : null,
    });
    ctx.kickOutbox();
    const gift = listLatestOrderGifts(db, order.id).find((g) => g.id === done.giftId)!;
    res.status(done.action === 'new' ? 201 : 200).json({ gift: giftJson(gift, voucher.code) });
  });
  return r;
}
