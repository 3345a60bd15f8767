import express, { Router, type RequestHandler } from 'express';
import type { PgDatabase } from '../../../db/postgres-pool';
import type { ProviderEvent } from '../../payments/payment-provider';
import type { PaymentProvider } from '../../payments/payment-provider';
import { applyProviderEventPostgres } from '../../domain/orders/payment-events-postgres';
import { applyProviderEvent, type EventOutcome } from '../../domain/orders/payment-events-service';
import type { ConfirmDeps } from '../../domain/orders/payment-confirmation';
import type { OrdersDeps } from '../../domain/orders/orders-service';
import { applyRefundEvent } from '../../domain/orders/refund-events';
import { applyTransferEvent } from '../../domain/settlements/payouts';
import type { AppContext } from '../context';

type RefundEvent = ProviderEvent & { refund: NonNullable<ProviderEvent['refund']> };
type TransferEvent = { type: string; transferId: string; statementId?: string; amountReversed?: number; reversed?: boolean };

/**
 * What a verified Stripe event does to the books, on one backend. The handler below is the
 * same for both: the backend is injected (the app passes SQLite's; tests/support's
 * PostgreSQL server passes PostgreSQL's).
 */
export interface WebhookBackend {
  payment(event: ProviderEvent): Promise<EventOutcome>;
  refund(event: RefundEvent): Promise<string>;
  transfer(event: TransferEvent): Promise<string>;
}

export function sqliteWebhookBackend(deps: OrdersDeps): WebhookBackend {
  return {
    payment: (event) => applyProviderEvent(deps, event),
    refund: async (event) => applyRefundEvent(deps, event),
    transfer: async (event) => applyTransferEvent(deps, event),
  };
}

/**
 * Card payments on PostgreSQL (payment-events-postgres.ts). Refund and payout events are not
 * ported yet: they answer 500, which Stripe retries for three days, rather than be recorded
 * and lost.
 */
export function postgresWebhookBackend(pg: PgDatabase, deps: ConfirmDeps): WebhookBackend {
  const notYet = (what: string) => Promise.reject(new Error(`${what} events are not handled on PostgreSQL yet`));
  return {
    payment: (event) => applyProviderEventPostgres(pg, deps, event),
    refund: () => notYet('refund'),
    transfer: () => notYet('transfer'),
  };
}

export const STRIPE_WEBHOOK_PATH = '/stripe';

/**
 * POST /webhooks/stripe: the signature over the exact bytes received (400 INVALID_SIGNATURE),
 * the event's shape (400 INVALID_EVENT), then its effect on the backend. Unknown event types
 * answer 200 (recorded and ignored) so Stripe stops retrying them.
 */
export function stripeWebhookHandler(deps: { payments: PaymentProvider; backend: WebhookBackend; kickOutbox: () => void }): RequestHandler[] {
  return [
    express.raw({ type: '*/*', limit: '1mb' }),
    async (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const event = deps.payments.parseWebhook(raw, req.get('stripe-signature'));
      // Settlement payouts: a transfer confirmed or reversed updates its statement (idempotent).
      if (event.transfer) {
        const t = event.transfer;
        return res.json({ received: true, outcome: await deps.backend.transfer({ type: event.type, transferId: t.id, statementId: t.statementId, amountReversed: t.amountReversed, reversed: t.reversed }) });
      }
      // Refunds Stripe answered `pending` settle here (succeeded, failed or canceled; idempotent).
      if (event.refund) return res.json({ received: true, outcome: await deps.backend.refund({ ...event, refund: event.refund }) });
      const outcome = await deps.backend.payment(event);
      if (outcome === 'issued') deps.kickOutbox();
      res.json({ received: true, outcome });
    },
  ];
}

/** Mounted at /webhooks, before any JSON parser: the signature covers the exact bytes received. */
export function webhookRoutes(ctx: AppContext): Router {
  const r = Router();
  r.post(STRIPE_WEBHOOK_PATH, ...stripeWebhookHandler({ payments: ctx.payments, backend: ctx.pg ? postgresWebhookBackend(ctx.pg, ctx.orders) : sqliteWebhookBackend(ctx.orders), kickOutbox: ctx.kickOutbox }));
  return r;
}
