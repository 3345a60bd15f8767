/**
 * Stripe's request rules for the stand-in (tests/support/fake-stripe.ts), kept apart from
 * its handlers: which parameters each endpoint we call accepts, the metadata limits, and
 * the Checkout Session limits (line items, amounts). Each rule cites the Stripe page it
 * comes from. A rule answers the error body Stripe would send, or undefined.
 *
 * The accepted parameters are those of the SDK we ship (stripe-node 23.1.0, API version
 * 2026-10-28), read from its generated `*Params` types, which Stripe builds from its
 * OpenAPI description: `node_modules/stripe/cjs/resources/{Checkout/Sessions,Refunds,
 * Transfers,PaymentIntents}.d.ts`. Nested hashes are spelled out where the app sends
 * them; the others are accepted as a whole (`ANY`), since we never send them.
 */

export interface StripeErrorBody {
  type: 'invalid_request_error';
  message: string;
  code?: string;
  param?: string;
}

/** 'scalar' a value, 'metadata' a metadata hash, ANY not modelled, a record a hash, a one-element array a list of that. */
type Shape = 'scalar' | 'metadata' | typeof ANY | { readonly [key: string]: Shape } | readonly [Shape];
const ANY = 'any' as const;
const LIST = ['scalar'] as const;
const keys = (names: string, shape: Shape = 'scalar') => Object.fromEntries(names.trim().split(/\s+/).map((k) => [k, shape]));
const PAGINATION = keys('ending_before limit starting_after');

const PRODUCT_DATA = { ...keys('description name tax_code unit_label'), images: LIST, metadata: 'metadata', tax_details: ANY } as const;
const PRICE_DATA = { ...keys('currency product tax_behavior unit_amount unit_amount_decimal'), product_data: PRODUCT_DATA, recurring: ANY } as const;
const LINE_ITEM = { ...keys('price quantity'), adjustable_quantity: ANY, metadata: 'metadata', price_data: PRICE_DATA, tax_rates: LIST } as const;
const PAYMENT_INTENT_DATA = {
  ...keys('application_fee_amount capture_method description on_behalf_of receipt_email setup_future_usage statement_descriptor statement_descriptor_suffix transfer_group'),
  metadata: 'metadata',
  shipping: ANY,
  transfer_data: ANY,
} as const;

/** POST /v1/checkout/sessions — Stripe.Checkout.SessionCreateParams. */
const CHECKOUT_SESSION_CREATE: Shape = {
  ...keys(
    `adaptive_pricing after_expiration allowed_payment_method_types automatic_tax billing_address_collection branding_settings consent_collection
     custom_fields custom_text customer_creation customer_update discounts excluded_payment_method_types invoice_creation managed_payments
     name_collection optional_items origin_context payment_method_collection payment_method_data payment_method_options payment_method_types permissions
     phone_number_collection redirect_on_completion saved_payment_method_options setup_intent_data shipping_address_collection shipping_options
     subscription_data tax_id_collection wallet_options`,
    ANY,
  ),
  ...keys('allow_promotion_codes cancel_url client_reference_id currency customer customer_account customer_email expires_at integration_identifier locale mode payment_method_configuration return_url submit_type success_url ui_mode'),
  expand: LIST,
  line_items: [LINE_ITEM],
  metadata: 'metadata',
  payment_intent_data: PAYMENT_INTENT_DATA,
};

const EXPAND_ONLY: Shape = { expand: LIST };

/**
 * Endpoints we call or look objects up with (the refunds and transfers lookups too), by
 * method and path pattern. An endpoint not listed here is not checked by these rules.
 */
const ENDPOINTS: { method: string; path: RegExp; params: Shape }[] = [
  { method: 'POST', path: /^\/v1\/checkout\/sessions$/, params: CHECKOUT_SESSION_CREATE },
  // Stripe.Checkout.SessionListParams (+ pagination)
  { method: 'GET', path: /^\/v1\/checkout\/sessions$/, params: { ...PAGINATION, ...keys('customer customer_account payment_intent payment_link status subscription'), created: ANY, customer_details: ANY, expand: LIST } },
  { method: 'GET', path: /^\/v1\/checkout\/sessions\/[^/]+$/, params: EXPAND_ONLY },
  // Stripe.RefundCreateParams (metadata is Emptyable: "" unsets it)
  { method: 'POST', path: /^\/v1\/refunds$/, params: { ...keys('amount charge currency customer instructions_email origin payment_intent reason refund_application_fee reverse_transfer'), expand: LIST, metadata: 'metadata' } },
  { method: 'GET', path: /^\/v1\/refunds$/, params: { ...PAGINATION, ...keys('charge payment_intent'), created: ANY, expand: LIST } },
  { method: 'GET', path: /^\/v1\/refunds\/[^/]+$/, params: EXPAND_ONLY },
  // Stripe.TransferCreateParams
  { method: 'POST', path: /^\/v1\/transfers$/, params: { ...keys('amount currency description destination source_transaction source_type transfer_group'), expand: LIST, metadata: 'metadata' } },
  { method: 'GET', path: /^\/v1\/transfers$/, params: { ...PAGINATION, ...keys('destination transfer_group'), created: ANY, expand: LIST } },
  { method: 'GET', path: /^\/v1\/transfers\/[^/]+$/, params: EXPAND_ONLY },
  // Stripe.TransferCreateReversalParams / TransferListReversalsParams
  { method: 'POST', path: /^\/v1\/transfers\/[^/]+\/reversals$/, params: { ...keys('amount description refund_application_fee'), expand: LIST, metadata: 'metadata' } },
  { method: 'GET', path: /^\/v1\/transfers\/[^/]+\/reversals$/, params: { ...PAGINATION, expand: LIST } },
  // Stripe.PaymentIntentRetrieveParams
  { method: 'GET', path: /^\/v1\/payment_intents\/[^/]+$/, params: { client_secret: 'scalar', expand: LIST } },
];

type Value = string | { [key: string]: Value } | Value[];

const refusal = (message: string, param?: string, code?: string): StripeErrorBody => ({ type: 'invalid_request_error', message, ...(code ? { code } : {}), ...(param ? { param } : {}) });
const child = (path: string, key: string | number) => (path ? `${path}[${key}]` : String(key));

/**
 * The first rule a request breaks, or undefined. Unknown parameters, at any depth we model:
 * Stripe refuses them with 400 `parameter_unknown` since API version 2011-06-21
 * (https://docs.stripe.com/changelog/2011-06-21/exceptions-unrecognized-api-parameters;
 * code listed at https://docs.stripe.com/error-codes#parameter-unknown), naming the
 * parameter in brackets form (`line_items[0][price_data][foo]`).
 */
export function checkRequest(method: string, path: string, params: { [key: string]: Value }): StripeErrorBody | undefined {
  const endpoint = ENDPOINTS.find((e) => e.method === method && e.path.test(path));
  return endpoint ? walk(params, endpoint.params, '') : undefined;
}

function walk(value: Value, shape: Shape, path: string): StripeErrorBody | undefined {
  if (shape === ANY || shape === 'scalar') return undefined;
  if (shape === 'metadata') return checkMetadata(value, path);
  if (Array.isArray(shape)) {
    // A list arrives as `a[0]`, `a[1]`… (decoded to an array); anything else is not a list.
    if (!Array.isArray(value)) return typeof value === 'object' ? refusal('Invalid array', path, 'parameter_invalid') : undefined;
    for (const [i, item] of value.entries()) {
      const broken = walk(item, shape[0], child(path, i));
      if (broken) return broken;
    }
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return refusal('Invalid hash', path, 'parameter_invalid');
  const hash = shape as { readonly [key: string]: Shape };
  for (const [key, inner] of Object.entries(value)) {
    const param = child(path, key);
    if (!Object.hasOwn(hash, key)) return refusal(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
    const broken = walk(inner, hash[key]!, param);
    if (broken) return broken;
  }
  return undefined;
}

/**
 * Metadata, on every object that has it: up to 50 keys, keys up to 40 characters without
 * square brackets, values up to 500 characters, strings only (https://docs.stripe.com/api/metadata
 * and https://docs.stripe.com/metadata). An empty string unsets a key or (for the whole hash) all of them.
 */
export function checkMetadata(value: Value, param = 'metadata'): StripeErrorBody | undefined {
  if (value === '') return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return refusal('Invalid hash', param, 'parameter_invalid');
  const entries = Object.entries(value);
  if (entries.length > METADATA_MAX_KEYS) return refusal(`Metadata can have up to ${METADATA_MAX_KEYS} keys, but you passed in ${entries.length} keys.`, param, 'parameter_invalid');
  for (const [key, v] of entries) {
    if (key.length > METADATA_MAX_KEY_LENGTH || /[[\]]/.test(key)) return refusal(`Invalid key: ${key} must be a string of at most ${METADATA_MAX_KEY_LENGTH} characters, without square brackets`, param, 'parameter_invalid');
    if (typeof v !== 'string') return refusal('Invalid metadata value: metadata values must be strings', child(param, key), 'parameter_invalid');
    if (v.length > METADATA_MAX_VALUE_LENGTH) return refusal(`Invalid value: metadata values must be strings of at most ${METADATA_MAX_VALUE_LENGTH} characters, but you passed in a value that is ${v.length} characters.`, child(param, key), 'parameter_invalid');
  }
  return undefined;
}

export const METADATA_MAX_KEYS = 50;
export const METADATA_MAX_KEY_LENGTH = 40;
export const METADATA_MAX_VALUE_LENGTH = 500;

/**
 * In `payment` mode a Checkout Session takes at most 100 line items ("For payment mode,
 * there is a maximum of 100 line items":
 * https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-line_items).
 */
export const CHECKOUT_MAX_LINE_ITEMS = 100;

/**
 * One charge carries at most eight digits of the minor unit (99 999 999 cents: 999 999,99 €)
 * and at least the currency's minimum, 0,50 € for EUR
 * (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts; the same bounds in
 * the `amount` of https://docs.stripe.com/api/payment_intents/create). Error codes
 * `amount_too_large` / `amount_too_small`: https://docs.stripe.com/error-codes.
 */
export const MAX_CHARGE_AMOUNT = 99_999_999;
/** Minimum charge per currency, in minor units (the currencies page's table; only those we use). */
export const MIN_CHARGE_AMOUNT: Record<string, number> = { eur: 50, usd: 50 };

/** The limits of a Checkout Session as a whole, once its line items are read. */
export function checkCheckoutSession(s: { mode: string; lineItemCount: number; amountTotal: number; currency: string }): StripeErrorBody | undefined {
  if (s.mode !== 'payment') return undefined;
  if (s.lineItemCount > CHECKOUT_MAX_LINE_ITEMS) return refusal(`You may only specify up to ${CHECKOUT_MAX_LINE_ITEMS} line items in payment mode; you specified ${s.lineItemCount}.`, 'line_items', 'parameter_invalid');
  if (s.amountTotal > MAX_CHARGE_AMOUNT) return refusal(`Amount must be no more than ${MAX_CHARGE_AMOUNT} ${s.currency} minor units (999,999.99).`, 'line_items', 'amount_too_large');
  const min = MIN_CHARGE_AMOUNT[s.currency] ?? 50;
  if (s.amountTotal > 0 && s.amountTotal < min) return refusal(`The Checkout Session's total amount due must add up to at least ${min} ${s.currency} minor units.`, 'line_items', 'amount_too_small');
  return undefined;
}
