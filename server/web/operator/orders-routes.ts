import { Router, type Request, type Response } from 'express';
import { cancelUnpaidOrder } from '../../domain/operators/order-actions';
import { sqliteOrderPagesStore } from '../../domain/operators/order-pages-store';
import { pgOrderPagesStore } from '../../domain/operators/order-pages-store-pg';
import { can } from '../../domain/operators/roles';
import { recordBankTransfer } from '../../domain/orders/bank-transfers-service';
import type { Order } from '../../domain/orders/orders-repository';
import { refundUnusedVouchers } from '../../domain/orders/refunds-service';
import { AppError } from '../../lib/errors';
import { storeReads } from '../backend-units';
import type { AppContext } from '../context';
import { parseCancelForm, parseTransferForm } from './order-forms';
import { orderDetailView, orderFilterSchema, orderListView, PER_PAGE, type DetailForms } from './orders-view';
import { OPERATOR_HOME, operatorPage, requireOperator } from './session';

/** The back-office home and the orders pages: list, detail, record a transfer, cancel. */
export function operatorOrderRoutes(ctx: AppContext): Router {
  const r = Router();
  const me = (res: Response) => res.locals.operatorUser!;
  const pages = storeReads(ctx, sqliteOrderPagesStore, pgOrderPagesStore);
  const findOrder = async (id: string) => pages((s) => s.order(id));
  const orderOf = async (req: Request): Promise<Order> => {
    const order = await findOrder(String(req.params.id));
    if (!order) throw new AppError('ORDER_NOT_FOUND', 404, 'errors.order_not_found');
    return order;
  };
  const detail = async (req: Request, res: Response, order: Order, status = 200, forms: DetailForms = {}) => {
    const reads = await pages((s) => s.detail(order));
    res.status(status).render('operator/order', {
      title: res.locals.t('operator.order.title', { reference: order.reference }),
      ...operatorPage(res, 'orders'),
      ...orderDetailView(ctx, order, reads, me(res), req, res.locals.t, res.locals.locale, forms),
    });
  };
  /** A refusal the operator can act on (4xx) re-renders the page with its message; anything else is a real error. */
  const refusal = (err: unknown, res: Response): string => {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    return res.locals.t(err.messageKey, err.params);
  };

  r.get(OPERATOR_HOME, requireOperator('orders.read'), async (_req, res) => {
    const u = me(res);
    const workload = await pages((s) => s.workload());
    res.render('operator/home', {
      title: res.locals.t('operator.home.title'),
      ...operatorPage(res, 'home'),
      user: u,
      roleLabel: res.locals.t(`operator.role.${u.role}`),
      canAct: can(u.role, 'orders.record_transfer'),
      workload,
    });
  });

  r.get('/operateur/commandes', requireOperator('orders.read'), async (req, res) => {
    const filter = orderFilterSchema.parse(req.query);
    const { rows, total } = await pages((s) => s.search({ q: filter.q, status: filter.status, paymentMethod: filter.method, page: filter.page, perPage: PER_PAGE }));
    res.render('operator/orders', { title: res.locals.t('operator.orders.title'), ...operatorPage(res, 'orders'), ...orderListView(rows, total, filter, res.locals.t, res.locals.locale) });
  });

  r.get('/operateur/commandes/:id', requireOperator('orders.read'), async (req, res) => detail(req, res, await orderOf(req)));

  r.post('/operateur/commandes/:id/virements', requireOperator('orders.record_transfer'), async (req, res) => {
    const order = await orderOf(req);
    const form = parseTransferForm(req.body, ctx.clock.now());
    if (!form.ok) return await detail(req, res, order, 422, { transfer: { values: { ...form.values }, errors: form.errors }, alert: res.locals.t('operator.errors.transfer_form') });
    try {
      const out = await recordBankTransfer({ ...ctx.orders, pg: ctx.pg }, { orderId: order.id, ...form.value, actor: `operator:${me(res).id}` });
      if (out.issued) ctx.kickOutbox();
      ctx.logger.info({ orderId: order.id, operatorId: me(res).id, amountCents: form.value.amountCents, replayed: out.replayed, issued: out.issued }, 'bank transfer recorded by operator');
      res.redirect(303, `/operateur/commandes/${order.id}?done=${out.replayed ? 'replayed' : out.issued ? 'issued' : 'transfer'}`);
    } catch (err) {
      const alert = refusal(err, res);
      await detail(req, res, (await findOrder(order.id))!, (err as AppError).status, { transfer: { values: { ...form.values }, errors: {} }, alert });
    }
  });

  r.post('/operateur/commandes/:id/annuler', requireOperator('orders.cancel'), async (req, res) => {
    const order = await orderOf(req);
    const form = parseCancelForm(req.body);
    if (!form.ok) return await detail(req, res, order, 422, { cancel: { values: form.values, errors: form.errors }, alert: res.locals.t('operator.errors.cancel_form') });
    try {
      await cancelUnpaidOrder(ctx, { orderId: order.id, reason: form.value.reason, actor: me(res).email });
      ctx.logger.info({ orderId: order.id, operatorId: me(res).id }, 'order cancelled by operator');
      res.redirect(303, `/operateur/commandes/${order.id}?done=cancelled`);
    } catch (err) {
      const alert = refusal(err, res);
      await detail(req, res, (await findOrder(order.id))!, (err as AppError).status, { cancel: { values: form.values, errors: {} }, alert });
    }
  });
  r.post('/operateur/commandes/:id/rembourser', requireOperator('orders.refund'), async (req, res) => {
    const reason = typeof req.body?.reason === 'string' ? req.body.reason.trim().slice(0, 300) : '';
    const order = await orderOf(req);
    if (!reason) return detail(req, res, order, 422, { refund: { values: { reason }, errors: { reason: 'errors.required' } }, alert: res.locals.t('bonus.refund.errors.form') });
    try {
      const refund = await refundUnusedVouchers({ ...ctx.orders, pg: ctx.pg }, { orderId: order.id, reason, actor: `operator:${me(res).id}` });
      ctx.logger.info({ orderId: order.id, operatorId: me(res).id, refundId: refund.id, amountCents: refund.amountCents }, 'order refunded by operator');
      // Stripe may answer `pending`: the page says so until the refund event settles it.
      res.redirect(303, `/operateur/commandes/${order.id}?done=${refund.status === 'pending' ? 'refund_pending' : 'refunded'}`);
    } catch (err) {
      const alert = refusal(err, res);
      await detail(req, res, (await findOrder(order.id))!, (err as AppError).status, { refund: { values: { reason }, errors: {} }, alert });
    }
  });
  return r;
}
