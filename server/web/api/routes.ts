import { Router, type Request } from 'express';
import { findCampaignById, listCampaignMerchants, listPublicCampaigns } from '../../domain/campaigns/campaigns-repository';
import { publicCampaign } from '../../domain/campaigns/campaigns-service';
import { createOrder, findOrderForToken } from '../../domain/orders/orders-service';
import { findOrder, type Order } from '../../domain/orders/orders-repository';
import { findLiveKey } from '../../domain/merchants/api-keys-service';
import { listOrderVouchers } from '../../domain/vouchers/vouchers-repository';
import { AppError } from '../../lib/errors';
import { streamVoucherPdf } from '../../pdf/voucher-pdf';
import type { AppContext } from '../context';
import { orderCreationLimit } from '../middleware/rate-limits';
import { campaignDetailJson, campaignSummaryJson, voucherJson } from '../presenters';
import { createOrderSchema } from './schemas';
import { validate } from './validate';
import { bearerOf } from '../middleware/auth';


const orderJson = (o: Order) => ({
  id: o.id,
  reference: o.reference,
  status: o.status,
  totalCents: o.totalCents,
  currency: 'EUR',
  paymentMethod: o.paymentMethod,
  buyerType: o.buyerType,
  createdAt: o.createdAt,
  paidAt: o.paidAt,
});

export function apiRoutes(ctx: AppContext): Router {
  const r = Router();
  const db = ctx.database.db;

  r.get('/campaigns', (_req, res) => {
    res.json({ campaigns: listPublicCampaigns(db).map(campaignSummaryJson) });
  });
  r.get('/campaigns/:slug', (req, res) => {
    res.json({ campaign: campaignDetailJson(publicCampaign(db, req.params.slug)) });
  });
  r.get('/campaigns/:slug/merchants', (req, res) => {
    const c = publicCampaign(db, req.params.slug);
    res.json({ merchants: listCampaignMerchants(db, c.id).map(({ slug, name, category, city }) => ({ slug, name, category, city })) });
  });

  r.post('/orders', orderCreationLimit(ctx.rateLimits), async (req, res) => {
    const body = validate(createOrderSchema, req.body);
    const created = await createOrder(ctx.orders, {
      campaignSlug: body.campaign,
      buyer: body.buyer,
      items: body.items,
      paymentMethod: body.paymentMethod,
      locale: res.locals.locale,
    });
    res.status(201).json({ order: orderJson(created.order), paymentUrl: created.paymentUrl, accessToken: created.accessToken });
  });

  // The buyer's access token (the PDF link on the confirmation page cannot send a
  // header, hence ?token= as well), or an operator's admin key.
  const orderFor = (req: Request) => {
    const b = bearerOf(req);
    const key = b?.startsWith('bk_') ? findLiveKey(ctx.database, b) : undefined;
    if (key?.kind === 'admin') {
      const order = findOrder(db, String(req.params.id));
      if (!order) throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
      return order;
    }
    return findOrderForToken(ctx.orders, String(req.params.id), b ?? (typeof req.query.token === 'string' ? req.query.token : undefined));
  };

  r.get('/orders/:id', (req, res) => {
    const order = orderFor(req);
    const now = ctx.clock.now();
    res.set('Cache-Control', 'no-store').json({ order: orderJson(order), vouchers: listOrderVouchers(db, order.id).map((v) => voucherJson(v, now, ctx.baseUrl)) });
  });

  r.get('/orders/:id/vouchers.pdf', async (req, res) => {
    const order = orderFor(req);
    if (order.status !== 'paid') throw new AppError('ORDER_NOT_PAID', 409, 'errors.order_not_paid');
    const campaign = findCampaignById(db, order.campaignId)!;
    res.set('Cache-Control', 'no-store').type('application/pdf').set('Content-Disposition', `inline; filename="bons-${order.reference}.pdf"`);
    await streamVoucherPdf(res, listOrderVouchers(db, order.id), {
      baseUrl: ctx.baseUrl,
      locale: res.locals.locale,
      campaignName: campaign.name,
      operatorName: campaign.operatorName,
      demo: ctx.demo,
    });
  });

  return r;
}
