import type { OrderDetailReads } from '../../domain/operators/order-pages-store';
import type { OperatorUser } from '../../domain/operators/operator-users-repository';
import { can } from '../../domain/operators/roles';
import type { Order } from '../../domain/orders/orders-repository';
import { refundableVouchers, refundRefusal } from '../../domain/orders/refunds-service';
import type { AppContext } from '../context';
import { formatStamp } from '../../lib/dates';

type T = (key: string, params?: Record<string, string | number>) => string;

/**
 * The order page's refund part: the refunds made, and the form when the role may refund
 * and something is refundable (the POST checks everything again in its transaction).
 */
export function refundSection(ctx: Pick<AppContext, 'clock'>, order: Order, reads: Pick<OrderDetailReads, 'refunds' | 'refundVouchers'>, user: OperatorUser, t: T, locale: string, form?: { values: Record<string, string>; errors: Record<string, string | undefined> }) {
  // Not refunded until Stripe says so: the vouchers stay held and the page says it waits (the oldest pending one, as SQLite's rowid order gave it).
  const pending = reads.refunds.filter((r) => r.status === 'pending').pop();
  // What the form offers: nothing while a refund is under way or when the order cannot be refunded.
  const refundable = can(user.role, 'orders.refund') && !refundRefusal(order) && !pending
    ? refundableVouchers(reads.refundVouchers, ctx.clock.now()).reduce((s, v) => s + v.balanceCents, 0)
    : 0;
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
