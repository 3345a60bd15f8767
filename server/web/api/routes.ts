import { giftApiRoutes } from './gift-routes';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { andThen } from '../../../db/store-units';
import { publicCampaignStep } from '../../domain/campaigns/campaigns-service';
import { catalogUnits } from '../catalog-units';
import { recordBankTransfer } from '../../domain/orders/bank-transfers-service';
import { createOrder } from '../../domain/orders/orders-service';
import { orderReads } from './order-access';
import { apiAuth } from '../middleware/auth';
import { orderDocumentRoutes } from './order-documents-routes';
import { orderFor, orderJson } from './order-access';
import type { AppContext } from '../context';
import { countOrderForEmail, orderCreationLimiter } from '../middleware/db-rate-limits';
import { campaignDetailJson, campaignSummaryJson, voucherJson } from '../presenters';
import { createOrderSchema, recordTransferSchema } from './schemas';
import { validate } from './validate';


export function apiRoutes(ctx: AppContext): Router {
  const r = Router();
  const orderLimit = orderCreationLimiter(ctx);
  const db = ctx.database.db;
  const adminOnly = apiAuth(ctx, 'admin');

  const catalog = catalogUnits(ctx);
  r.get('/campaigns', (_req, res) => andThen(catalog((s) => s.publicCampaigns()), (list) => res.json({ campaigns: list.map(campaignSummaryJson) })));
  r.get('/campaigns/:slug', (req, res) => andThen(catalog((s) => publicCampaignStep(s, req.params.slug)), (c) => res.json({ campaign: campaignDetailJson(c) })));
  r.get('/campaigns/:slug/merchants', (req, res) =>
    andThen(
      catalog(function* (s) {
        const c = yield* publicCampaignStep(s, req.params.slug);
        return yield* s.campaignShops(c.id);
      }),
      (shops) => res.json({ merchants: shops.map(({ slug, name, category, city }) => ({ slug, name, category, city })) }),
    ),
  );

  // The operator (admin key) may place orders beyond the anonymous cap, without the
  // per-address and per-email limits; a wrong key is refused, never taken for anonymous.
  const orderCaller = (req: Request, res: Response, next: NextFunction) => (req.headers.authorization ? adminOnly(req, res, next) : orderLimit(req, res, next));
  r.post('/orders', orderCaller, async (req, res) => {
    const body = validate(createOrderSchema, req.body);
    const byOperator = res.locals.apiActor?.kind === 'admin';
    if (!byOperator) await countOrderForEmail(ctx, res, body.buyer.email);
    const created = await createOrder(ctx.orders, {
      byOperator,
      campaignSlug: body.campaign,
      buyer: body.buyer,
      items: body.items,
      paymentMethod: body.paymentMethod,
      giftEvent: body.giftEvent,
      ceilingAcknowledged: body.ceilingAcknowledged,
      locale: res.locals.locale,
    });
    ctx.kickOutbox();
    res.status(201).json({ order: orderJson(created.order, ctx), paymentUrl: created.paymentUrl, accessToken: created.accessToken });
  });

  r.get('/orders/:id', async (req, res) => {
    const order = await orderFor(ctx, req);
    const vouchers = await orderReads(ctx)((store) => store.vouchers(order.id));
    const now = ctx.clock.now();
    res.set('Cache-Control', 'no-store').json({ order: orderJson(order, ctx), vouchers: vouchers.map((v) => voucherJson(v, now, ctx.baseUrl)) });
  });

  // Operator (admin key): a bank transfer received for an order.
  r.post('/orders/:id/payments', adminOnly, async (req, res) => {
    const body = validate(recordTransferSchema, req.body);
    const actor = res.locals.apiActor?.actor ?? 'admin';
    const result = await recordBankTransfer(ctx.orders, { orderId: String(req.params.id), amountCents: body.amountCents, reference: body.reference, receivedAt: body.receivedAt ? new Date(body.receivedAt) : undefined, actor });
    if (result.issued) ctx.kickOutbox();
    res.status(result.replayed ? 200 : 201).json({ order: orderJson(result.order, ctx), issued: result.issued, replayed: result.replayed });
  });

  r.use(orderDocumentRoutes(ctx));
  r.use(giftApiRoutes(ctx));
  return r;
}
