import { formatStamp } from '../../lib/dates';
import type { Request } from 'express';
import { z } from 'zod';
import { isCancellable } from '../../domain/operators/order-actions';
import type { OperatorUser } from '../../domain/operators/operator-users-repository';
import type { OrderDetailReads } from '../../domain/operators/order-pages-store';
import { ORDER_STATUSES, PAYMENT_METHODS, type OrderRow } from '../../domain/operators/orders-query';
import { can } from '../../domain/operators/roles';
import { transferBalance } from '../../domain/orders/bank-transfers-service';
import type { Order } from '../../domain/orders/orders-repository';
import { parisDate } from '../../lib/paris-time';
import { refundSection } from './refunds-view';
import type { AppContext } from '../context';

export const PER_PAGE = 50;
/** An organisation's order may have 10 000 lines: the page shows the first ones. */
const MAX_LINES = 100;

export const orderFilterSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  status: z.enum(ORDER_STATUSES).optional().catch(undefined),
  method: z.enum(PAYMENT_METHODS).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(1_000_000).catch(1).default(1),
});
export type OrderFilter = z.infer<typeof orderFilterSchema>;

type T = (key: string, params?: Record<string, string | number>) => string;

/** The list page's rows, filter echo and pager links (filters kept in every link). */
export function orderListView(rows: OrderRow[], total: number, filter: OrderFilter, t: T, locale: string) {
  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  const link = (page: number) => {
    const q = new URLSearchParams(Object.entries({ q: filter.q, status: filter.status, method: filter.method }).filter((e): e is [string, string] => !!e[1]));
    if (page > 1) q.set('page', String(page));
    const s = q.toString();
    return `/operateur/commandes${s ? `?${s}` : ''}`;
  };
  return {
    filter,
    total,
    statuses: ORDER_STATUSES.map((s) => ({ value: s, label: t(`operator.status.${s}`), selected: filter.status === s })),
    methods: PAYMENT_METHODS.map((m) => ({ value: m, label: t(`operator.method.${m}`), selected: filter.method === m })),
    rows: rows.map((o) => ({
      ...o,
      created: formatStamp(o.createdAt, locale),
      statusLabel: t(`operator.status.${o.status}`),
      methodLabel: t(`operator.method.${o.paymentMethod}`),
      transfer: o.paymentMethod === 'bank_transfer',
      review: !!o.reviewReason,
    })),
    pager: { page: filter.page, pages, prev: filter.page > 1 ? link(filter.page - 1) : null, next: filter.page < pages ? link(filter.page + 1) : null },
  };
}

/** Form state carried into a re-rendered detail page (values and per-field message keys). */
export interface DetailForms {
  transfer?: { values: Record<string, string>; errors: Record<string, string | undefined> };
  cancel?: { values: Record<string, string>; errors: Record<string, string | undefined> };
  refund?: { values: Record<string, string>; errors: Record<string, string | undefined> };
  /** A refusal from the domain (already translated), shown above everything. */
  alert?: string;
}

const DONE = ['transfer', 'issued', 'replayed', 'cancelled', 'refunded', 'refund_pending'] as const;

/** Everything the detail page shows: buyer, lines, money received, documents, allowed actions. */
export function orderDetailView(ctx: AppContext, order: Order, reads: OrderDetailReads, user: OperatorUser, req: Request, t: T, locale: string, forms: DetailForms = {}) {
  const { items, invoiceNumber, vouchers } = reads;
  const transfer = order.paymentMethod === 'bank_transfer';
  const api = `/api/v1/orders/${order.id}`;
  const done = typeof req.query.done === 'string' && (DONE as readonly string[]).includes(req.query.done) ? req.query.done : null;
  const translated = (errors: Record<string, string | undefined> = {}) => Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, v ? t(v) : undefined]));
  // The token hash and checkout URL stay out of the view model.
  const { accessTokenHash: _hash, checkoutUrl: _url, ...shown } = order;
  return {
    done: done ? t(done === 'refunded' ? 'bonus.refund.done' : done === 'refund_pending' ? 'bonus.refund.done_pending' : `operator.done.${done}`) : null,
    order: {
      ...shown,
      created: formatStamp(order.createdAt, locale),
      paid: formatStamp(order.paidAt, locale),
      cancelled: formatStamp(order.cancelledAt, locale),
      statusLabel: t(`operator.status.${order.status}`),
      methodLabel: t(`operator.method.${order.paymentMethod}`),
      buyerTypeLabel: t(`operator.buyer_type.${order.buyerType}`),
      campaignName: reads.campaignName,
      billingLines: order.billingAddress?.split('\n').filter(Boolean) ?? [],
      transfer,
      ...transferBalance(order),
      vouchersCents: order.totalCents - order.feeCents - order.feeVatCents,
    },
    lines: items.slice(0, MAX_LINES).map((i) => ({ ...i, number: i.position + 1, subtotalCents: i.amountCents * i.quantity })),
    moreLines: items.length > MAX_LINES ? items.length - MAX_LINES : 0,
    payments: reads.payments.map((p) => ({ ...p, received: formatStamp(p.receivedAt, locale), providerLabel: t(`operator.provider.${p.provider === 'bank_transfer' ? 'bank_transfer' : 'card'}`) })),
    vouchers: vouchers.map((v) => ({ n: v.n, label: t(`operator.voucher_status.${v.status}`) })),
    voucherCount: vouchers.reduce((s, v) => s + v.n, 0),
    documents: {
      proforma: order.organisationId && order.status !== 'cancelled' ? `${api}/proforma.pdf` : null,
      invoice: invoiceNumber ? { url: `${api}/invoice.pdf`, number: invoiceNumber } : null,
      sheets: order.status === 'paid' ? `${api}/vouchers.pdf` : null,
      csv: order.status === 'paid' ? `${api}/vouchers.csv` : null,
    },
    // The forms appear only when the role may act and the order allows it (the POST checks again).
    transferForm:
      can(user.role, 'orders.record_transfer') && transfer && (order.status === 'pending_payment' || order.status === 'paid')
        ? { values: forms.transfer?.values ?? {}, errors: translated(forms.transfer?.errors) }
        : null,
    cancelForm:
      can(user.role, 'orders.cancel') && isCancellable(order)
        ? { values: forms.cancel?.values ?? {}, errors: translated(forms.cancel?.errors) }
        : null,
    ...refundSection(ctx, order, reads, user, t, locale, forms.refund),
    alert: forms.alert ?? null,
    today: parisDate(ctx.clock.now()),
  };
}
