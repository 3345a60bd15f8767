import { Router } from 'express';
import { z } from 'zod';
import { orderByCheckoutRef } from '../../domain/orders/orders-service';
import { applyProviderEventPostgres } from '../../domain/orders/payment-events-postgres';
import type { ProviderEvent } from '../../payments/payment-provider';
import { applyProviderEvent } from '../../domain/orders/payment-events-service';
import { AppError } from '../../lib/errors';
import type { DemoProvider } from '../../payments/demo-provider';
import type { AppContext } from '../context';
import { localPath } from '../safe-redirect';
import { validate } from '../api/validate';


/** The demo provider's checkout page. Only mounted when no Stripe key is configured. */
export function demoRoutes(ctx: AppContext, demo: DemoProvider): Router {
  const r = Router();
  r.use('/demo', ctx.withCsrf);
  const load = async (ref: string) => {
    const order = await orderByCheckoutRef(ctx.orders, ref);
    if (!order) throw new AppError('CHECKOUT_NOT_FOUND', 404, 'errors.not_found');
    return order;
  };
  // The same path as the provider's webhook on this backend: PostgreSQL's unit of work
  // (payment-events-postgres.ts) or SQLite's transaction.
  const apply = (event: ProviderEvent) => (ctx.pg ? applyProviderEventPostgres(ctx.pg, ctx.orders, event) : applyProviderEvent(ctx.orders, event));

  r.get('/demo/checkout/:ref', async (req, res) => {
    const order = await load(req.params.ref);
    res.render('demo/checkout', {
      title: res.locals.t('demo.checkout_title'),
      order,
      ref: req.params.ref,
      success: localPath(req.query.success),
      cancel: localPath(req.query.cancel),
      payable: order.status === 'pending_payment',
    });
  });

  const outcomeSchema = z.object({ outcome: z.enum(['paid', 'failed', 'cancel']), success: z.string(), cancel: z.string() }).loose();

  r.post('/demo/checkout/:ref', async (req, res) => {
    const order = await load(req.params.ref);
    const body = validate(outcomeSchema, req.body);
    if (body.outcome === 'cancel') return res.redirect(303, localPath(body.cancel));
    const outcome = await apply(demo.simulatedEvent(req.params.ref, body.outcome, order.totalCents));
    if (outcome === 'issued') ctx.kickOutbox();
    res.redirect(303, localPath(body.success));
  });
  return r;
}
