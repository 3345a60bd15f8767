import { Router } from 'express';
import { sendGift } from '../../domain/gifts/gifts-service';
import { AppError } from '../../lib/errors';
import type { AppContext } from '../context';
import { buyerOrder, renderOrderPage } from '../shop/order-page';
import { parseGiftForm } from './gift-form';

/**
 * POST /commandes/:id/cadeaux: the buyer (order access token) sends one of the order's
 * vouchers to a recipient, now or at a Paris date and time. Saved, the page comes back
 * saying when it will go; refused, it comes back with the reason beside the field.
 */
export function giftRoutes(ctx: AppContext): Router {
  const r = Router();
  r.post('/commandes/:id/cadeaux', ctx.withCsrf, async (req, res) => {
    const { order, token } = await buyerOrder(ctx, req);
    const form = parseGiftForm(req.body ?? {});
    const voucherId = form.values.voucherId;
    if (!form.input) return renderOrderPage(ctx, req, res, 422, { voucherId, values: form.values, errors: form.errors });
    try {
      await sendGift(ctx, order, form.input);
      // « Now » goes at once rather than at the worker's next poll.
      ctx.kickOutbox();
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      if (err.code === 'VOUCHER_NOT_FOUND') throw err;
      // The rules name the instant `sendAt` (as the API does); the form shows it by its date field.
      const errors = err.fields?.sendAt ? { sendDate: err.fields.sendAt } : (err.fields ?? {});
      const formError = Object.keys(errors).length ? undefined : res.locals.t(err.messageKey, err.params);
      return renderOrderPage(ctx, req, res, err.status, { voucherId, values: form.values, errors, formError });
    }
    res.redirect(303, `/commandes/${order.id}?token=${encodeURIComponent(token)}&envoi=${encodeURIComponent(voucherId)}#bon-${encodeURIComponent(voucherId)}`);
  });
  return r;
}
