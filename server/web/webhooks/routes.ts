import express, { Router } from 'express';
import { applyProviderEvent } from '../../domain/orders/payment-events-service';
import { applyRefundEvent } from '../../domain/orders/refund-events';
import { applyTransferEvent } from '../../domain/settlements/payouts';
import type { AppContext } from '../context';

/**
 * Mounted at /webhooks, before any JSON parser: the signature covers the exact bytes received.
 * Unknown event types answer 200 (recorded and ignored) so Stripe stops retrying them.
 */
export function webhookRoutes(ctx: AppContext): Router {
  const r = Router();
  r.post('/stripe', express.raw({ type: '*/*', limit: '1mb' }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const event = ctx.payments.parseWebhook(raw, req.get('stripe-signature'));
    // Settlement payouts: a transfer confirmed or reversed updates its statement (idempotent).
    if (event.transfer) return res.json({ received: true, outcome: applyTransferEvent(ctx.orders, { type: event.type, transferId: event.transfer.id, statementId: event.transfer.statementId, amountReversed: event.transfer.amountReversed, reversed: event.transfer.reversed }) });
    // Refunds Stripe answered `pending` settle here (succeeded, failed or canceled; idempotent).
    if (event.refund) return res.json({ received: true, outcome: applyRefundEvent(ctx.orders, { ...event, refund: event.refund }) });
    const outcome = await applyProviderEvent(ctx.orders, event);
    if (outcome === 'issued') ctx.kickOutbox();
    res.json({ received: true, outcome });
  });
  return r;
}
