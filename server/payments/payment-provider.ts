/**
 * What the order services need from a payment provider. Providers never change order
 * state: they create checkouts and turn webhooks into ProviderEvents; services decide.
 */
export interface CheckoutRequest {
  orderId: string;
  reference: string;
  description: string;
  totalCents: number;
  items: { amountCents: number; quantity: number }[];
  buyerEmail: string;
  locale: string;
  successUrl: string;
  cancelUrl: string;
}

export interface Checkout {
  ref: string;
  url: string;
}

export type ProviderEventKind = 'paid' | 'failed' | 'expired' | 'pending' | 'ignored';

export interface ProviderEvent {
  id: string;
  provider: string;
  type: string;
  kind: ProviderEventKind;
  orderId?: string;
  checkoutRef?: string;
  amountCents?: number;
  currency?: string;
  /** A Connect transfer event (settlement payouts): its id and our statement id from metadata. */
  transfer?: { id: string; statementId?: string };
}

/** Money given back on a payment; `idempotencyKey` (our refund id) makes a retry return the same refund. */
export interface RefundRequest {
  /** What the payment row stores as provider reference (Stripe: the Checkout Session id). */
  paymentRef: string;
  amountCents: number;
  idempotencyKey: string;
}

export interface ProviderRefund {
  ref: string;
  /** Stripe answers `pending` for some payment methods: the refund is committed and is booked. */
  status: 'succeeded' | 'pending' | 'failed';
}

export interface PaymentProvider {
  readonly name: 'stripe' | 'demo';
  createCheckout(req: CheckoutRequest): Promise<Checkout>;
  /** Verifies the signature and maps the event; throws AppError(400) when it is not authentic. */
  parseWebhook(rawBody: Buffer, signature: string | undefined): ProviderEvent;
  /** Refunds part or all of a captured payment. Throws on refusal (see refundRefused). */
  refund(req: RefundRequest): Promise<ProviderRefund>;
}
