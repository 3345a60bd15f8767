import Stripe from 'stripe';
import { checkoutTotal } from '../domain/orders/card-payment';
import { AppError } from '../lib/errors';
import { checkoutLineName } from './checkout-line-names';
import { assertEventShape } from './stripe-event-shape';
import type { Checkout, CheckoutRequest, PaymentProvider, ProviderEvent, ProviderEventKind, ProviderRefund, RefundLookup, RefundRequest } from './payment-provider';

export interface StripeSettings {
  secretKey: string;
  webhookSecret?: string;
  /** e.g. http://127.0.0.1:12111 — a local Stripe-compatible server for tests. */
  apiBase?: string;
}

export function stripeClient(s: StripeSettings): Stripe {
  // A buyer waits on this call: bounded to ~3 attempts of at most 8 s each.
  const opts: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: 8_000 };
  if (s.apiBase) {
    const u = new URL(s.apiBase);
    opts.host = u.hostname;
    opts.port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
    opts.protocol = u.protocol.replace(':', '') as 'http' | 'https';
  }
  return new Stripe(s.secretKey, opts);
}

const KINDS: Record<string, (s: Stripe.Checkout.Session) => ProviderEventKind> = {
  'checkout.session.completed': (s) => (s.payment_status === 'unpaid' ? 'pending' : 'paid'),
  'checkout.session.async_payment_succeeded': () => 'paid',
  'checkout.session.async_payment_failed': () => 'failed',
  'checkout.session.expired': () => 'expired',
};

export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  private readonly stripe: Stripe;

  constructor(private readonly settings: StripeSettings) {
    this.stripe = stripeClient(settings);
  }

  async createCheckout(req: CheckoutRequest): Promise<Checkout> {
    // The webhook issues only when Stripe's amount equals the order total: never ask for another.
    if (checkoutTotal(req.lines) !== req.totalCents) throw new Error(`checkout lines (${checkoutTotal(req.lines)}) differ from the order total (${req.totalCents})`);
    const session = await this.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        client_reference_id: req.orderId,
        customer_email: req.buyerEmail,
        locale: req.locale === 'en' ? 'en' : 'fr',
        metadata: { orderId: req.orderId, reference: req.reference },
        payment_intent_data: { metadata: { orderId: req.orderId, reference: req.reference } },
        line_items: req.lines.map((line) => ({
          quantity: line.quantity,
          price_data: { currency: 'eur', unit_amount: line.amountCents, product_data: { name: checkoutLineName(line, req.locale, req.description) } },
        })),
        success_url: req.successUrl,
        cancel_url: req.cancelUrl,
      },
      // Our order id as idempotency key: a retried request returns the same session.
      { idempotencyKey: `checkout-${req.orderId}` },
    );
    if (!session.url) throw new Error('Stripe returned a Checkout Session without a URL');
    return { ref: session.id, url: session.url };
  }

  /**
   * Our payment rows keep the Checkout Session id; Stripe refunds a PaymentIntent, so the
   * session is read first (no schema change, and the session is the source of truth).
   * The idempotency key is our refund id: a retry after a crash gets the same refund.
   */
  async refund(req: RefundRequest): Promise<ProviderRefund> {
    const paymentIntent = await this.paymentIntentOf(req.paymentRef);
    const refund = await this.stripe.refunds.create({ payment_intent: paymentIntent, amount: req.amountCents, metadata: { refundId: req.idempotencyKey } }, { idempotencyKey: req.idempotencyKey });
    return providerRefund(refund);
  }

  /**
   * The refunds of the payment (GET /v1/refunds?payment_intent=, newest first, every page)
   * matched on the refund id we put in metadata: found even after Stripe pruned the key.
   */
  async findRefund(req: RefundLookup): Promise<ProviderRefund | null> {
    const paymentIntent = await this.paymentIntentOf(req.paymentRef);
    for await (const refund of this.stripe.refunds.list({ payment_intent: paymentIntent, limit: 100 })) {
      if (refund.metadata?.refundId === req.refundId) return providerRefund(refund);
    }
    return null;
  }

  private async paymentIntentOf(sessionId: string): Promise<string> {
    const session = await this.stripe.checkout.sessions.retrieve(sessionId);
    const paymentIntent = typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id;
    if (!paymentIntent) throw new AppError('REFUND_NO_PAYMENT', 409, 'bonus.refund.errors.no_payment');
    return paymentIntent;
  }

  parseWebhook(rawBody: Buffer, signature: string | undefined): ProviderEvent {
    if (!this.settings.webhookSecret) throw new AppError('WEBHOOK_NOT_CONFIGURED', 400, 'errors.webhook_not_configured');
    if (!signature) throw new AppError('INVALID_SIGNATURE', 400, 'errors.invalid_signature');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signature, this.settings.webhookSecret);
    } catch {
      throw new AppError('INVALID_SIGNATURE', 400, 'errors.invalid_signature');
    }
    // The SDK checks the signature, then returns whatever JSON was signed (null, a number…).
    assertEventShape(event);
    if (event.type === 'transfer.created' || event.type === 'transfer.reversed') {
      const t = event.data.object as Stripe.Transfer;
      return { id: event.id, provider: 'stripe', type: event.type, kind: 'ignored', transfer: { id: t.id, statementId: t.metadata?.statement_id, amountReversed: t.amount_reversed ?? 0, reversed: t.reversed === true } };
    }
    // The SDK's API version (2026-10-28) documents refund.updated and refund.failed for every
    // refund (since 2024-10-28.acacia); charge.refund.updated carries the same Refund object.
    if (event.type === 'refund.updated' || event.type === 'refund.failed' || event.type === 'charge.refund.updated') {
      const r = event.data.object as Stripe.Refund;
      return { id: event.id, provider: 'stripe', type: event.type, kind: 'ignored', refund: { ...providerRefund(r), refundId: r.metadata?.refundId } };
    }
    const kindOf = KINDS[event.type];
    if (!kindOf) return { id: event.id, provider: 'stripe', type: event.type, kind: 'ignored' };
    const session = event.data.object as Stripe.Checkout.Session;
    return {
      id: event.id,
      provider: 'stripe',
      type: event.type,
      kind: kindOf(session),
      orderId: session.metadata?.orderId ?? session.client_reference_id ?? undefined,
      checkoutRef: session.id,
      amountCents: session.amount_total ?? undefined,
      currency: session.currency ?? undefined,
    };
  }
}

/** Stripe's refund statuses in our words; `requires_action` waits like `pending`. */
function providerRefund(r: Stripe.Refund): ProviderRefund {
  const status = r.status === 'succeeded' || r.status === 'failed' || r.status === 'canceled' ? r.status : 'pending';
  return { ref: r.id, status, ...(r.failure_reason ? { failureReason: r.failure_reason } : {}) };
}
