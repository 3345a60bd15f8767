/**
 * The money-moving half of the Stripe stand-in: refunds, Connect transfers and their
 * reversals, the platform balance they draw on, list endpoints, and the clock that prunes
 * idempotency keys. Kept apart from fake-stripe.ts (HTTP, checkout, signing) so each stays
 * one concept; every rule cites the Stripe page it comes from.
 */
import { randomBytes } from 'node:crypto';
// Values used only when a request runs, so this cycle with fake-stripe.ts is harmless.
import { invalid, missing, StripeApiError, type CheckoutSessionObject, type Params, type ParamValue, type RefundObject, type TransferObject, type TransferReversalObject } from './fake-stripe';

const unknownParams = (p: Params, allowed: Set<string>) => {
  for (const k of Object.keys(p)) if (!allowed.has(k)) throw invalid(`Received unknown parameter: ${k}`, k, 'parameter_unknown');
};
const str = (v: ParamValue | undefined, param: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(`Invalid string: ${param}`, param);
  return v;
};
/** A positive integer amount in cents. */
const amountOf = (v: ParamValue | undefined, param: string): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw invalid(`Invalid integer: ${typeof v === 'string' ? v : '[object]'}`, param, 'parameter_invalid_integer');
  const n = Number(v);
  if (n < 1) throw invalid('This value must be greater than or equal to 1.', param);
  return n;
};
const metadataOf = (v: ParamValue | undefined): Record<string, string> => {
  if (v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid('Invalid hash', 'metadata');
  return v as Record<string, string>;
};
const newId = (prefix: string) => `${prefix}_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'a')}`;

/** https://docs.stripe.com/idempotency: « You can remove keys from the system automatically after they're at least 24 hours old ». */
export const IDEMPOTENCY_KEY_LIFETIME_MS = 24 * 3600_000;

const REFUND_PARAMS = new Set(['payment_intent', 'amount', 'metadata', 'reason', 'charge']);
const TRANSFER_PARAMS = new Set(['amount', 'currency', 'destination', 'transfer_group', 'description', 'metadata']);
const REVERSAL_PARAMS = new Set(['amount', 'description', 'metadata', 'refund_application_fee']);
/** https://docs.stripe.com/api/refunds/list (charge, payment_intent, created, cursors) */
const REFUND_LIST_PARAMS = new Set(['payment_intent', 'charge', 'limit', 'starting_after', 'ending_before', 'created', 'expand']);
/** https://docs.stripe.com/api/transfers/list (destination, transfer_group, created, cursors) */
const TRANSFER_LIST_PARAMS = new Set(['destination', 'transfer_group', 'limit', 'starting_after', 'ending_before', 'created', 'expand']);

export interface MoneyState {
  sessions: Map<string, CheckoutSessionObject>;
  refunds: Map<string, RefundObject>;
  transfers: Map<string, TransferObject>;
  /** Seconds on the stand-in's clock (the test may move it forward). */
  nowSeconds: () => number;
  /** The platform's available balance in cents; null = not modelled (never short). */
  balance: { available: number | null };
  /** How the next refunds answer: 'succeeded' (cards, usually) or 'pending' (async payment methods). */
  refundMode: { next: 'succeeded' | 'pending' };
}

/**
 * A list page, newest first, with Stripe's cursor pagination: limit 1–100 (default 10),
 * `starting_after` an object id of the previous page. https://docs.stripe.com/api/pagination
 */
export function listPage<T extends { id: string; created: number }>(items: T[], p: Params, url: string) {
  const limitRaw = str(p.limit, 'limit');
  const limit = limitRaw === undefined ? 10 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid('This value must be between 1 and 100.', 'limit');
  // Newest first; insertion order breaks ties within one second (Map keeps it).
  const sorted = items.map((item, i) => ({ item, i })).sort((a, b) => b.item.created - a.item.created || b.i - a.i).map((x) => x.item);
  const after = str(p.starting_after, 'starting_after');
  let start = 0;
  if (after !== undefined) {
    const at = sorted.findIndex((x) => x.id === after);
    if (at === -1) throw new StripeApiError(400, { type: 'invalid_request_error', code: 'resource_missing', param: 'starting_after', message: `No such object: '${after}'` });
    start = at + 1;
  }
  const data = sorted.slice(start, start + limit);
  return { object: 'list', data, has_more: start + limit < sorted.length, url };
}

/** GET /v1/refunds, filtered by payment_intent when given. https://docs.stripe.com/api/refunds/list */
export function listRefunds(s: MoneyState, p: Params) {
  unknownParams(p, REFUND_LIST_PARAMS);
  const pi = str(p.payment_intent, 'payment_intent');
  return listPage([...s.refunds.values()].filter((r) => pi === undefined || r.payment_intent === pi), p, '/v1/refunds');
}

/** GET /v1/transfers, filtered by transfer_group and/or destination. https://docs.stripe.com/api/transfers/list */
export function listTransfers(s: MoneyState, p: Params) {
  unknownParams(p, TRANSFER_LIST_PARAMS);
  const group = str(p.transfer_group, 'transfer_group');
  const destination = str(p.destination, 'destination');
  const items = [...s.transfers.values()].filter((t) => (group === undefined || t.transfer_group === group) && (destination === undefined || t.destination === destination));
  return listPage(items, p, '/v1/transfers');
}

/** Money a refund holds on the charge: everything but failed and canceled refunds. */
const refunded = (s: MoneyState, pi: string) => [...s.refunds.values()].filter((r) => r.payment_intent === pi && r.status !== 'failed' && r.status !== 'canceled').reduce((n, r) => n + r.amount, 0);

/**
 * POST /v1/refunds: at most what is left of the payment (https://docs.stripe.com/api/refunds/create).
 * « Refunds use your available Stripe balance … If your available balance doesn't cover the
 * amount of the refund, Stripe … holds the refund as pending » (https://docs.stripe.com/refunds),
 * with `pending_reason` insufficient_funds (https://docs.stripe.com/changelog/basil/2025-04-30/refund-pending-reason);
 * async payment methods answer `pending` (processing) as well: `refundMode` chooses.
 */
export function createRefund(s: MoneyState, p: Params): RefundObject {
  unknownParams(p, REFUND_PARAMS);
  const pi = str(p.payment_intent, 'payment_intent');
  if (!pi) throw missing('payment_intent');
  const session = [...s.sessions.values()].find((x) => x.payment_intent === pi && x.payment_status === 'paid');
  if (!session) throw new StripeApiError(400, { type: 'invalid_request_error', code: 'resource_missing', param: 'payment_intent', message: `No such payment_intent: '${pi}'` });
  const left = session.amount_total - refunded(s, pi);
  const amount = amountOf(p.amount, 'amount') ?? left;
  if (amount > left) {
    throw new StripeApiError(400, { type: 'invalid_request_error', code: 'amount_too_large', param: 'amount', message: `Refund amount (€${(amount / 100).toFixed(2)}) is greater than unrefunded amount on charge (€${(left / 100).toFixed(2)})` });
  }
  const short = s.balance.available !== null && s.balance.available < amount;
  const pending = short || s.refundMode.next === 'pending';
  const refund: RefundObject = {
    id: newId('re'), object: 'refund', amount, currency: session.currency, payment_intent: pi,
    status: pending ? 'pending' : 'succeeded', pending_reason: pending ? (short ? 'insufficient_funds' : 'processing') : null, failure_reason: null,
    metadata: metadataOf(p.metadata), created: s.nowSeconds(),
  };
  // A refund held for insufficient funds takes nothing yet; any other one leaves the balance now.
  if (s.balance.available !== null && !short) s.balance.available -= amount;
  s.refunds.set(refund.id, refund);
  return refund;
}

/**
 * The test decides how a pending refund ends. A failed or canceled refund gives the money
 * back to the balance (« we return the amount to your Stripe balance », https://docs.stripe.com/refunds#failed-refunds).
 * Returns the events Stripe sends for the change: `refund.updated` on every status change,
 * plus `refund.failed` when it failed (https://docs.stripe.com/api/events/types; since
 * 2024-10-28.acacia they are sent for every refund, https://docs.stripe.com/changelog/acacia/2024-10-28/refund-webhook-update).
 */
export function settleRefund(s: MoneyState, id: string, outcome: 'succeeded' | 'failed' | 'canceled', failureReason = 'expired_or_canceled_card'): { refund: RefundObject; types: string[] } {
  const r = s.refunds.get(id);
  if (!r) throw new Error(`fake Stripe: no refund ${id}`);
  // « If a customer has closed their method of payment, the bank might return the refund to
  // us—at which point it's marked as failed » (https://docs.stripe.com/refunds#failed-refunds):
  // a succeeded refund may still fail; nothing else leaves a final state.
  const lateFailure = r.status === 'succeeded' && outcome === 'failed';
  if (r.status !== 'pending' && !lateFailure) throw new Error(`fake Stripe: refund ${id} is ${r.status}; only pending refunds settle, and a succeeded one can only fail`);
  const wasHeldForFunds = r.pending_reason === 'insufficient_funds';
  r.status = outcome;
  r.pending_reason = null;
  if (outcome === 'failed') r.failure_reason = failureReason;
  if (s.balance.available !== null) {
    if (outcome === 'succeeded' && wasHeldForFunds) s.balance.available -= r.amount;
    if (outcome !== 'succeeded' && !wasHeldForFunds) s.balance.available += r.amount;
  }
  return { refund: structuredClone(r), types: outcome === 'failed' ? ['refund.updated', 'refund.failed'] : ['refund.updated'] };
}

/**
 * POST /v1/transfers to a connected account (`acct_missing…` ones do not exist).
 * « Your Stripe balance must be able to cover the transfer amount, or you'll receive an
 * "Insufficient Funds" error » (https://docs.stripe.com/api/transfers/create), error code
 * `balance_insufficient` (https://docs.stripe.com/error-codes#balance-insufficient).
 */
export function createTransfer(s: MoneyState, p: Params): TransferObject {
  unknownParams(p, TRANSFER_PARAMS);
  const amount = amountOf(p.amount, 'amount');
  if (amount === undefined) throw missing('amount');
  const currency = str(p.currency, 'currency');
  if (!currency) throw missing('currency');
  const destination = str(p.destination, 'destination');
  if (!destination) throw missing('destination');
  if (!/^acct_[A-Za-z0-9]+$/.test(destination) || destination.startsWith('acct_missing')) {
    throw new StripeApiError(400, { type: 'invalid_request_error', code: 'resource_missing', param: 'destination', message: `No such destination: '${destination}'` });
  }
  if (s.balance.available !== null && s.balance.available < amount) {
    throw new StripeApiError(400, {
      type: 'invalid_request_error', code: 'balance_insufficient',
      message: 'You have insufficient funds in your Stripe account for this transfer. Your card balance is too low.',
    });
  }
  if (s.balance.available !== null) s.balance.available -= amount;
  const id = `tr_${randomBytes(12).toString('hex')}`;
  const t: TransferObject = {
    id, object: 'transfer', amount, amount_reversed: 0, currency, destination, reversed: false,
    reversals: { object: 'list', data: [], has_more: false, url: `/v1/transfers/${id}/reversals` },
    transfer_group: str(p.transfer_group, 'transfer_group') ?? null, description: str(p.description, 'description') ?? null,
    metadata: metadataOf(p.metadata), created: s.nowSeconds(),
  };
  s.transfers.set(id, t);
  return t;
}

/**
 * POST /v1/transfers/:id/reversals: « you can optionally reverse part of the transfer … as many
 * times as you wish until the entire transfer has been reversed »; more than what is left is
 * refused; `reversed` only turns true once fully reversed, `amount_reversed` sums them
 * (https://docs.stripe.com/api/transfer_reversals/create, https://docs.stripe.com/api/transfers/object).
 * The money comes back to the platform balance. `transfer.reversed` fires for partial
 * reversals too (« including partial reversals », https://docs.stripe.com/api/events/types).
 */
export function reverseTransfer(s: MoneyState, transferId: string, p: Params): { reversal: TransferReversalObject; transfer: TransferObject } {
  unknownParams(p, REVERSAL_PARAMS);
  const t = s.transfers.get(transferId);
  if (!t) throw new StripeApiError(404, { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such transfer: '${transferId}'` });
  const left = t.amount - t.amount_reversed;
  if (left === 0) throw new StripeApiError(400, { type: 'invalid_request_error', message: `Transfer ${transferId} has already been reversed.` });
  const amount = amountOf(p.amount, 'amount') ?? left;
  if (amount > left) throw invalid(`Reversal amount (${amount}) is greater than the amount left on the transfer (${left}).`, 'amount');
  const reversal: TransferReversalObject = { id: newId('trr'), object: 'transfer_reversal', amount, currency: t.currency, transfer: t.id, metadata: metadataOf(p.metadata), created: s.nowSeconds() };
  t.amount_reversed += amount;
  t.reversed = t.amount_reversed === t.amount;
  t.reversals.data.unshift(reversal);
  if (s.balance.available !== null) s.balance.available += amount;
  return { reversal, transfer: structuredClone(t) };
}
