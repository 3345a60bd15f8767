import { randomBytes } from 'node:crypto';
import { checkoutTotal } from '../domain/orders/card-payment';
import { AppError } from '../lib/errors';
import type { Checkout, CheckoutRequest, PaymentProvider, ProviderEvent, ProviderRefund, RefundRequest } from './payment-provider';

/**
 * Stands in for Stripe when no key is configured (a newcomer's demo): its checkout is a
 * local page, labelled « mode démonstration », that simulates success or failure by
 * producing the same ProviderEvents a webhook would. It has no webhook of its own.
 * main/app only build it when STRIPE_SECRET_KEY is unset.
 */
export class DemoProvider implements PaymentProvider {
  readonly name = 'demo' as const;

  constructor(private readonly baseUrl: string) {}

  async createCheckout(req: CheckoutRequest): Promise<Checkout> {
    // The same guard as Stripe's provider: the page must charge exactly the order total.
    if (checkoutTotal(req.lines) !== req.totalCents) throw new Error(`checkout lines (${checkoutTotal(req.lines)}) differ from the order total (${req.totalCents})`);
    const ref = `demo_cs_${randomBytes(18).toString('base64url')}`;
    const back = (u: string) => encodeURIComponent(new URL(u).pathname + new URL(u).search);
    return { ref, url: `${this.baseUrl}/demo/checkout/${ref}?success=${back(req.successUrl)}&cancel=${back(req.cancelUrl)}` };
  }

  parseWebhook(): ProviderEvent {
    throw new AppError('WEBHOOK_NOT_CONFIGURED', 400, 'errors.webhook_not_configured');
  }

  /** A simulated refund, always accepted; derived from the key so a retry returns the same one. */
  async refund(req: RefundRequest): Promise<ProviderRefund> {
    if (!Number.isSafeInteger(req.amountCents) || req.amountCents <= 0) throw new AppError('REFUND_REFUSED', 400, 'bonus.refund.errors.refused');
    return { ref: `demo_re_${req.idempotencyKey}`, status: 'succeeded' };
  }

  /** The demo keeps no refunds: its refund is derived from the key, so creating again returns the same one. */
  async findRefund(): Promise<ProviderRefund | null> {
    return null;
  }

  /** The event the demo page's buttons produce. */
  simulatedEvent(checkoutRef: string, outcome: 'paid' | 'failed', amountCents: number): ProviderEvent {
    return {
      id: `demo_evt_${randomBytes(12).toString('base64url')}`,
      provider: 'demo',
      type: outcome === 'paid' ? 'demo.payment_succeeded' : 'demo.payment_failed',
      kind: outcome,
      checkoutRef,
      amountCents,
      currency: 'eur',
    };
  }
}
