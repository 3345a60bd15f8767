import type { Request, Response } from 'express';
import type { Units } from '../../../db/store-units';
import { sqliteGiftStore, type GiftReads } from '../../domain/gifts/gift-store';
import { pgGiftStore } from '../../domain/gifts/gift-store-pg';
import { sqliteOrderReads, type OrderReads } from '../../domain/orders/order-reads';
import { pgOrderReads } from '../../domain/orders/order-reads-pg';
import type { Order } from '../../domain/orders/orders-repository';
import { orderForToken } from '../../domain/orders/orders-service';
import { storeReads } from '../backend-units';
import { formatMoney } from '../../lib/money';
import type { AppContext } from '../context';
import { giftBlocks, type GiftFormState } from '../gifts/gift-view';
import { voucherView } from '../presenters';

/**
 * Above this many vouchers the page shows no gift forms (a form each would multiply a large
 * organisation order's page); such orders reach their recipients through the beneficiary
 * list and the API.
 */
export const GIFT_FORMS_MAX = 50;

/** The buyer's order behind /commandes/:id and its access token (query string, or the form's hidden field). */
export async function buyerOrder(ctx: AppContext, req: Request): Promise<{ order: Order; token: string }> {
  const raw = typeof req.query.token === 'string' ? req.query.token : typeof req.body?.token === 'string' ? (req.body.token as string) : undefined;
  const order = await orderForToken(ctx.orders, String(req.params.id), raw);
  return { order, token: raw! };
}

/** The order page's reads (the order's own and its gifts') on this app's backend. */
const pageReads = (ctx: AppContext): Units<OrderReads & GiftReads> =>
  storeReads(ctx, (tx) => ({ ...sqliteOrderReads(tx), ...sqliteGiftStore(tx) }), (c) => ({ ...pgOrderReads(c), ...pgGiftStore(c) }));

/** The buyer's order page: status, vouchers and, once paid, each voucher's gift block. */
export async function renderOrderPage(ctx: AppContext, req: Request, res: Response, status = 200, gift?: GiftFormState): Promise<void> {
  const { order, token } = await buyerOrder(ctx, req);
  const { campaign, issued, latestGifts } = await pageReads(ctx)(function* (s) {
    const campaign = (yield* s.campaign(order.campaignId))!;
    const issued = order.status === 'paid' ? yield* s.vouchers(order.id) : [];
    return { campaign, issued, latestGifts: issued.length ? yield* s.latestOrderGifts(order.id) : [] };
  });
  const now = ctx.clock.now();
  const locale = res.locals.locale as string;
  const blocks = giftBlocks(latestGifts, issued.map((v) => v.id), res.locals.t, locale, now, gift);
  const vouchers = issued.map((v) => {
    const block = blocks.get(v.id)!;
    // A send that failed because the voucher was cancelled or spent meanwhile: say so, not « check the address ».
    const giftStatus = block.failed && v.status !== 'active' ? res.locals.t('gifts.status.not_valid', { email: block.values.recipientEmail }) : block.status;
    return { ...voucherView(v, locale, now, ctx.baseUrl), id: v.id, gift: v.status === 'active' && issued.length <= GIFT_FORMS_MAX ? block : null, giftStatus };
  });
  const pending = order.status === 'pending_payment';
  res.status(status).render('shop/order', {
    title: res.locals.t('order.title', { reference: order.reference }),
    order,
    campaign,
    vouchers,
    pending,
    token,
    // A refusal about a voucher that shows no form (cancelled meanwhile): said above the list.
    giftError: gift?.formError && !vouchers.some((v) => v.id === gift.voucherId && v.gift) ? gift.formError : null,
    giftAction: `/commandes/${order.id}/cadeaux?token=${encodeURIComponent(token)}`,
    paid: order.status === 'paid',
    cancelled: order.status === 'cancelled',
    // « Recommencer » opens the order form with this basket (the token proves it is the buyer's).
    orderAgainUrl: `/campagnes/${encodeURIComponent(campaign.slug)}/commander?reprendre=${encodeURIComponent(order.id)}&token=${encodeURIComponent(token)}`,
    returnedWithoutPaying: pending && req.query.cancelled === '1',
    // While the payment is confirmed, app.js asks the order's status and reloads once it changed
    // (no timed <meta refresh>: WCAG 2.2.1 — a page that reloads under the reader every few
    // seconds loses their place and focus); without JavaScript the notice offers a reload link.
    statusUrl: pending && req.query.cancelled !== '1' ? `/api/v1/orders/${order.id}?token=${encodeURIComponent(token)}` : null,
    selfUrl: `/commandes/${order.id}?token=${encodeURIComponent(token)}`,
    pdfUrl: `/api/v1/orders/${order.id}/vouchers.pdf?token=${encodeURIComponent(token)}`,
    bonusText:
      order.bonusCents > 0 && order.status !== 'cancelled'
        ? res.locals.t('bonus.order_bonus', { sponsor: campaign.sponsorName ?? res.locals.t('bonus.sponsor_default'), amount: formatMoney(order.bonusCents, locale) })
        : null,
  });
}
