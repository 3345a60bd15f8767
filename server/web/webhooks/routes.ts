import express, { Router, type RequestHandler } from 'express';
import type { PgDatabase } from '../../../db/postgres-pool';
import type { ProviderEvent } from '../../payments/payment-provider';
import type { PaymentProvider } from '../../payments/payment-provider';
import { applyProviderEventPostgres } from '../../domain/orders/payment-events-postgres';
import { applyProviderEvent, type EventOutcome } from '../../domain/orders/payment-events-service';
import type { ConfirmDeps } from '../../domain/orders/payment-confirmation';
import type { OrdersDeps } from '../../domain/orders/orders-service';
import { applyRefundEvent, applyRefundEventOn, type RefundEvent } from '../../domain/orders/refund-events';
import { applyTransferEvent, applyTransferEventOn, type TransferEvent } from '../../domain/settlements/payouts';
import { pgSettlementUnits } from '../../domain/settlements/settlement-store-pg';
import type { AppContext } from '../context';


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
 * The same events on PostgreSQL: card payments (payment-events-postgres.ts), refunds
 * (refund-events.ts, the order's row locked first) and payouts (payouts.ts, the
 * settlement's units), each one READ COMMITTED unit of work on the pool.
 */
export function postgresWebhookBackend(pg: PgDatabase, deps: ConfirmDeps): WebhookBackend {
  const units = pgSettlementUnits(pg);
  return {
    payment: (event) => applyProviderEventPostgres(pg, deps, event),
    refund: async (event) => applyRefundEventOn({ pg, clock: deps.clock, logger: deps.logger }, event),
    transfer: (event) => applyTransferEventOn({ units, clock: deps.clock }, event),
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
