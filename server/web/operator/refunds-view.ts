import type { OperatorUser } from '../../domain/operators/operator-users-repository';
import { can } from '../../domain/operators/roles';
import type { Order } from '../../domain/orders/orders-repository';
import type { OrderDetailReads } from '../../domain/operators/order-pages-store';
import { refundableCentsOf } from '../../domain/orders/refunds-service';
import type { AppContext } from '../context';
import { formatStamp } from '../../lib/dates';

type T = (key: string, params?: Record<string, string | number>) => string;

/**
 * The order page's refund part: the refunds made, and the form when the role may refund
 * and something is refundable (the POST checks everything again in its transaction). From
 * the page's reads (order-pages-store.ts), so it renders on either backend.
 */
export function refundSection(ctx: AppContext, order: Order, reads: Pick<OrderDetailReads, 'refunds' | 'refundVouchers'>, user: OperatorUser, t: T, locale: string, form?: { values: Record<string, string>; errors: Record<string, string | undefined> }) {
  // Not refunded until Stripe says so: the vouchers stay held and the page says it waits.
  const pending = reads.refunds.find((r) => r.status === 'pending');
  const refundable = can(user.role, 'orders.refund') ? refundableCentsOf(order, !!pending, reads.refundVouchers, ctx.clock.now()) : 0;
  const errors = Object.fromEntries(Object.entries(form?.errors ?? {}).map(([k, v]) => [k, v ? t(v) : undefined]));
  return {
    refundPending: pending ? { amountCents: pending.amountCents } : null,
    refunds: reads.refunds.map((r) => ({
      ...r,
      created: formatStamp(r.createdAt, locale),
      statusLabel: t(`bonus.refund.status.${r.status}`),
      shownRef: r.providerRef.startsWith('pending:') ? '' : r.providerRef,
      failureReason: r.status === 'failed' || r.status === 'canceled' ? r.failureReason : null,
    })),
    refundedCents: order.refundedCents,
    refundForm: refundable > 0 ? { refundableCents: refundable, values: form?.values ?? {}, errors } : null,
  };
}
