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
  /**
   * A Connect transfer event (settlement payouts): its id, our statement id from metadata,
   * and what has been reversed so far (`transfer.reversed` fires for partial reversals too).
   */
  transfer?: { id: string; statementId?: string; amountReversed?: number; reversed?: boolean };
  /** A refund event (refund.updated, refund.failed): the provider's refund as it stands now. */
  refund?: ProviderRefund & { refundId?: string };
}

/** Money given back on a payment; `idempotencyKey` (our refund id) makes a retry return the same refund. */
export interface RefundRequest {
  /** What the payment row stores as provider reference (Stripe: the Checkout Session id). */
  paymentRef: string;
  amountCents: number;
  idempotencyKey: string;
}

/** Finds the refund a request with this id made, if any (our refund id is in its metadata). */
export interface RefundLookup {
  paymentRef: string;
  refundId: string;
}

export interface ProviderRefund {
  ref: string;
  /**
   * Only `succeeded` is final money out. Stripe answers `pending` (async payment methods, or
   * a balance too low) and settles later by event; `failed`/`canceled` mean no money left.
   */
  status: 'succeeded' | 'pending' | 'failed' | 'canceled';
  failureReason?: string;
}

export interface PaymentProvider {
  readonly name: 'stripe' | 'demo';
  createCheckout(req: CheckoutRequest): Promise<Checkout>;
  /** Verifies the signature and maps the event; throws AppError(400) when it is not authentic. */
  parseWebhook(rawBody: Buffer, signature: string | undefined): ProviderEvent;
  /** Refunds part or all of a captured payment. Throws on refusal (see refundRefused). */
  refund(req: RefundRequest): Promise<ProviderRefund>;
  /**
   * The refund an earlier request for `refundId` made, or null. Idempotency keys do not
   * last (Stripe prunes them after 24 h): a retry looks the refund up before creating one.
   */
  findRefund(req: RefundLookup): Promise<ProviderRefund | null>;
}
