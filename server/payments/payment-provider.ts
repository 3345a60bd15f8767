/**
 * What the order services need from a payment provider. Providers never change order
 * state: they create checkouts and turn webhooks into ProviderEvents; services decide.
 */
/**
 * One line of the payment page: vouchers of one value (× quantity), all of an order's
 * vouchers summarised in one line (`count` vouchers worth `minCents`…`maxCents` each,
 * quantity 1), the service fee before VAT, or the VAT on it. Σ amount × quantity is
 * the order total; the provider names the lines in the buyer's language.
 */
export type CheckoutLine =
  | { kind: 'voucher'; amountCents: number; quantity: number }
  | { kind: 'vouchers'; amountCents: number; quantity: 1; count: number; minCents: number; maxCents: number }
  | { kind: 'service_fee'; amountCents: number; quantity: 1 }
  | { kind: 'service_fee_vat'; amountCents: number; quantity: 1 };

export interface CheckoutRequest {
  orderId: string;
  reference: string;
  /** The campaign's name, shown on the voucher lines. */
  description: string;
  /** What the buyer pays: Σ lines, checked by the provider before it asks for a payment. */
  totalCents: number;
  lines: CheckoutLine[];
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
