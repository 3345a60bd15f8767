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
