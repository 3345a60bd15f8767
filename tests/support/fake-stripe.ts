/**
 * A small Stripe-compatible HTTP server for tests: only the parts of the API the app
 * calls (Checkout Sessions create/retrieve), with Stripe's authentication, idempotency
 * and error shapes, plus helpers to build and sign the webhook events Stripe would send.
 *
 * The app talks to it through the official SDK (STRIPE_API_BASE), so what is tested is
 * the real request the SDK builds: form-encoded nested params, Idempotency-Key, retries.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { checkCheckoutSession, checkRequest } from './fake-stripe-rules';
import { createRefund, createTransfer, IDEMPOTENCY_KEY_LIFETIME_MS, listRefunds, listTransfers, reverseTransfer, settleRefund, type MoneyState } from './fake-stripe-money';

export type Params = { [key: string]: ParamValue };
export type ParamValue = string | Params | ParamValue[];

export interface CheckoutSessionObject {
  id: string;
  object: 'checkout.session';
  amount_subtotal: number;
  amount_total: number;
  cancel_url: string | null;
  client_reference_id: string | null;
  created: number;
  currency: string;
  customer: string | null;
  customer_details: { email: string | null; name: string | null } | null;
  customer_email: string | null;
  expires_at: number;
  livemode: false;
  locale: string | null;
  metadata: Record<string, string>;
  mode: 'payment' | 'setup' | 'subscription';
  payment_intent: string | null;
  payment_method_types: string[];
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  status: 'open' | 'complete' | 'expired';
  success_url: string | null;
  total_details: { amount_discount: number; amount_shipping: number; amount_tax: number };
  ui_mode: 'hosted';
  url: string | null;
}

export interface StripeEventObject {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: CheckoutSessionObject | Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface TransferReversalObject {
  id: string;
  object: 'transfer_reversal';
  amount: number;
  currency: string;
  transfer: string;
  metadata: Record<string, string>;
  created: number;
}

export interface TransferObject {
  id: string;
  object: 'transfer';
  amount: number;
  /** Sum of the reversals; `reversed` turns true only when it reaches `amount`. */
  amount_reversed: number;
  currency: string;
  destination: string;
  transfer_group: string | null;
  description: string | null;
  metadata: Record<string, string>;
  reversed: boolean;
  reversals: { object: 'list'; data: TransferReversalObject[]; has_more: boolean; url: string };
  created: number;
}

export interface RefundObject {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string;
  /** https://docs.stripe.com/api/refunds/object: pending, requires_action, succeeded, failed or canceled. */
  status: 'succeeded' | 'pending' | 'failed' | 'canceled';
  pending_reason: 'processing' | 'insufficient_funds' | null;
  failure_reason: string | null;
  metadata: Record<string, string>;
  created: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  /** Decoded form body (POST) or query (GET). */
  params: Params;
  /** The status the fake answered, or 'reset' when it dropped the connection. */
  status: number | 'reset';
  /** True when the answer was a replay of an earlier idempotent request. */
  replayed: boolean;
}

/**
 * A failure to inject on the next request(s), in order:
 * - `http`: answer `status` before processing anything (as a failing edge would);
 *   `shouldRetry` sets Stripe's `Stripe-Should-Retry` header, which the SDK obeys.
 * - `reset`: drop the connection before processing anything.
 * - `reset_after_create`: process the request (session created, idempotency key stored),
 *   then drop the connection: the response is lost, as on a network cut.
 */
export type Fault = { kind: 'http'; status: number; shouldRetry?: boolean } | { kind: 'reset' } | { kind: 'reset_after_create' };

export interface FakeStripe {
  /** API base for STRIPE_API_BASE, e.g. http://127.0.0.1:54321 */
  url: string;
  sessions: Map<string, CheckoutSessionObject>;
  transfers: Map<string, TransferObject>;
  /** Refunds created through POST /v1/refunds (one per idempotency key while the key lives). */
  refunds: Map<string, RefundObject>;
  requests: LoggedRequest[];
  /** Moves the stand-in's clock forward (idempotency keys older than 24 h are pruned, `created` follows). */
  advanceTime: (ms: number) => void;
  /** The platform's available balance in cents; null (the default) = not modelled, never short. */
  setBalance: (cents: number | null) => void;
  balance: () => number | null;
  /** 'pending' makes the next refunds answer `pending` (an async payment method) until reset to 'succeeded'. */
  setRefundMode: (mode: 'succeeded' | 'pending') => void;
  /** Ends a pending refund (or fails a succeeded one) and returns the events Stripe sends for it (refund.updated, refund.failed). */
  settleRefund: (id: string, outcome: 'succeeded' | 'failed' | 'canceled', failureReason?: string) => StripeEventObject[];
  /** Reverses a transfer in part (amount) or in full, as the platform would, and returns the `transfer.reversed` event. */
  reverseTransfer: (id: string, amountCents?: number) => StripeEventObject;
  /** Queues failures for the next API requests (one fault per request). */
  failNext: (...faults: Fault[]) => void;
  /** Marks a session complete (payment_status 'paid' by default) and returns a copy. */
  completeSession: (id: string, opts?: { paymentStatus?: 'paid' | 'unpaid' }) => CheckoutSessionObject;
  /** Marks an open session expired and returns a copy. */
  expireSession: (id: string) => CheckoutSessionObject;
  /** A Stripe event wrapping a snapshot of `object`. */
  event: (type: string, object: CheckoutSessionObject | Record<string, unknown>) => StripeEventObject;
  /** The exact bytes Stripe would POST and a `Stripe-Signature` header for them. */
  signedDelivery: (event: StripeEventObject, webhookSecret: string) => { payload: string; header: string };
  /** Signs and POSTs `event` to `${appUrl}/webhooks/stripe`. */
  deliver: (appUrl: string, event: StripeEventObject, webhookSecret: string) => Promise<Delivery>;
  close: () => Promise<void>;
}

export interface Delivery {
  status: number;
  /** Parsed JSON (or the raw text when it is not JSON). */
  body: any;
}

/** POSTs raw bytes to the webhook endpoint, with or without a signature header. */
export async function postWebhook(appUrl: string, payload: string, signature?: string): Promise<Delivery> {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' };
  if (signature !== undefined) headers['stripe-signature'] = signature;
  const res = await fetch(`${appUrl}/webhooks/stripe`, { method: 'POST', headers, body: payload });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: left as text so the assertion shows it.
  }
  return { status: res.status, body };
}

// ---------------------------------------------------------------------------------------
// Form decoding: `a[b][0][c]=1` → { a: { b: [ { c: '1' } ] } }, as Stripe reads it.

function keyPath(key: string): string[] {
  const first = key.indexOf('[');
  if (first === -1) return [key];
  const path = [key.slice(0, first)];
  const re = /\[([^\]]*)\]/g;
  let m: RegExpExecArray | null;
  let end = first;
  while ((m = re.exec(key)) && m.index === end) {
    path.push(m[1]!);
    end = re.lastIndex;
  }
  // Trailing garbage such as `a[b]c`: keep it in the last segment rather than lose it.
  if (end !== key.length) path[path.length - 1] += key.slice(end);
  return path;
}

type Tree = { [key: string]: Tree | string };

function arrayify(node: Tree | string): ParamValue {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  const indexed = keys.length > 0 && keys.every((k) => /^(0|[1-9]\d*)$/.test(k));
  if (indexed) {
    const sorted = keys.map(Number).sort((a, b) => a - b);
    if (sorted.every((n, i) => n === i)) return sorted.map((n) => arrayify(node[String(n)]!));
  }
  return Object.fromEntries(keys.map((k) => [k, arrayify(node[k]!)]));
}

/** Decodes a Stripe-style form body (brackets encoded or not) into nested params. */
export function decodeForm(body: string): Params {
  const root: Tree = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = keyPath(key);
    let node = root;
    for (let i = 0; i < path.length; i++) {
      let seg = path[i]!;
      if (seg === '') seg = String(Object.keys(node).length); // `a[]=x` appends
      if (i === path.length - 1) {
        node[seg] = value;
      } else {
        const next = node[seg];
        if (typeof next !== 'object') node[seg] = {};
        node = node[seg] as Tree;
      }
    }
  }
  return arrayify(root) as Params;
}

/** Stable JSON (sorted keys) to compare the params of two idempotent requests. */
function canonical(v: ParamValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(v[k]!)}`)
    .join(',')}}`;
}

// ---------------------------------------------------------------------------------------

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { type: string; message: string; code?: string; param?: string },
  ) {
    super(body.message);
  }
}

export const invalid = (message: string, param?: string, code = 'parameter_invalid') =>
  new StripeApiError(400, { type: 'invalid_request_error', message, code, ...(param ? { param } : {}) });
export const missing = (param: string) => new StripeApiError(400, { type: 'invalid_request_error', code: 'parameter_missing', param, message: `Missing required param: ${param}.` });

const LOCALES = new Set(['auto', 'bg', 'cs', 'da', 'de', 'el', 'en', 'en-GB', 'es', 'es-419', 'et', 'fi', 'fil', 'fr', 'fr-CA', 'hr', 'hu', 'id', 'it', 'ja', 'ko', 'lt', 'lv', 'ms', 'mt', 'nb', 'nl', 'pl', 'pt', 'pt-BR', 'ro', 'ru', 'sk', 'sl', 'sv', 'th', 'tr', 'vi', 'zh', 'zh-HK', 'zh-TW']);

const str = (v: ParamValue | undefined, param: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(`Invalid string: ${param}`, param);
  return v;
};
const integer = (v: ParamValue | undefined, param: string, { min }: { min: number }): number => {
  if (v === undefined) throw missing(param);
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw invalid(`Invalid integer: ${typeof v === 'string' ? v : '[object]'}`, param, 'parameter_invalid_integer');
  const n = Number(v);
  if (n < min) throw invalid(`This value must be greater than or equal to ${min}.`, param);
  return n;
};
const obj = (v: ParamValue | undefined, param: string): Params | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`Invalid hash`, param);
  return v;
};

const id = (prefix: string) => `${prefix}_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'a')}`;

let signer: Stripe | undefined;

export async function startFakeStripe(opts: { secretKey?: string } = {}): Promise<FakeStripe> {
  const sessions = new Map<string, CheckoutSessionObject>();
  const transfers = new Map<string, TransferObject>();
  const refunds = new Map<string, RefundObject>();
  const requests: LoggedRequest[] = [];
  const faults: Fault[] = [];
  /** Idempotency-Key → what the first request with it was and got. */
  const idempotent = new Map<string, { method: string; path: string; params: string; status: number; body: unknown; at: number }>();
  let base = '';
  // The stand-in's own clock, ahead of the real one by what the test advanced: it dates the
  // objects and ages the idempotency keys.
  let offsetMs = 0;
  const nowMs = () => Date.now() + offsetMs;
  const nowSeconds = () => Math.floor(nowMs() / 1000);
  const money: MoneyState = { sessions, refunds, transfers, nowSeconds, balance: { available: null }, refundMode: { next: 'succeeded' } };

  function createSession(p: Params): CheckoutSessionObject {
    // Unknown parameters and metadata limits: checked for every endpoint by checkRequest (fake-stripe-rules.ts).
    const mode = str(p.mode, 'mode');
    if (!mode) throw missing('mode');
    if (mode !== 'payment' && mode !== 'setup' && mode !== 'subscription') throw invalid(`Invalid mode: must be one of payment, setup, or subscription`, 'mode');
    const locale = str(p.locale, 'locale');
    if (locale !== undefined && !LOCALES.has(locale)) throw invalid(`Invalid locale: ${locale}`, 'locale');
    const successUrl = str(p.success_url, 'success_url');
    if (!successUrl) throw missing('success_url');
    for (const [param, url] of [['success_url', successUrl], ['cancel_url', str(p.cancel_url, 'cancel_url')]] as const) {
      if (url !== undefined && !URL.canParse(url)) throw invalid(`Not a valid URL`, param, 'url_invalid');
    }
    const metadata = obj(p.metadata, 'metadata') ?? {};
    const pid = obj(p.payment_intent_data, 'payment_intent_data');
    if (pid && mode !== 'payment') throw invalid('You can not pass `payment_intent_data` in `setup` or `subscription` mode.', 'payment_intent_data');

    const lineItems = p.line_items;
    if (lineItems === undefined && mode === 'payment') throw missing('line_items');
    if (lineItems !== undefined && !Array.isArray(lineItems)) throw invalid('Invalid array', 'line_items');
    let total = 0;
    let currency: string | undefined;
    for (const [i, raw] of (lineItems ?? []).entries()) {
      const param = `line_items[${i}]`;
      const item = obj(raw, param)!;
      const quantity = integer(item.quantity, `${param}[quantity]`, { min: 1 });
      if (item.price !== undefined) throw invalid(`No such price: '${String(item.price)}'`, `${param}[price]`, 'resource_missing');
      const pd = obj(item.price_data, `${param}[price_data]`);
      if (!pd) throw invalid('You must specify either `price` or `price_data` for each line item.', param);
      const cur = str(pd.currency, `${param}[price_data][currency]`);
      if (!cur) throw missing(`${param}[price_data][currency]`);
      if (!/^[a-zA-Z]{3}$/.test(cur)) throw invalid(`Invalid currency: ${cur}`, `${param}[price_data][currency]`);
      const unit = integer(pd.unit_amount, `${param}[price_data][unit_amount]`, { min: 0 });
      const product = obj(pd.product_data, `${param}[price_data][product_data]`);
      if (!product && pd.product === undefined) throw invalid('You must specify either `product` or `product_data` when creating a price.', `${param}[price_data]`);
      if (product && !str(product.name, `${param}[price_data][product_data][name]`)) throw missing(`${param}[price_data][product_data][name]`);
      if (currency !== undefined && currency !== cur.toLowerCase()) throw invalid('All line items must have the same currency.', `${param}[price_data][currency]`);
      currency = cur.toLowerCase();
      total += unit * quantity;
    }
    const limits = checkCheckoutSession({ mode, lineItemCount: (lineItems ?? []).length, amountTotal: total, currency: currency ?? 'usd' });
    if (limits) throw new StripeApiError(400, limits);
    const created = nowSeconds();
    const sessionId = id('cs_test');
    return {
      id: sessionId,
      object: 'checkout.session',
      amount_subtotal: total,
      amount_total: total,
      cancel_url: str(p.cancel_url, 'cancel_url') ?? null,
      client_reference_id: str(p.client_reference_id, 'client_reference_id') ?? null,
      created,
      currency: currency ?? str(p.currency, 'currency')?.toLowerCase() ?? 'usd',
      customer: str(p.customer, 'customer') ?? null,
      customer_details: null,
      customer_email: str(p.customer_email, 'customer_email') ?? null,
      expires_at: p.expires_at !== undefined ? integer(p.expires_at, 'expires_at', { min: created }) : created + 24 * 3600,
      livemode: false,
      locale: locale ?? null,
      metadata: metadata as Record<string, string>,
      mode,
      payment_intent: null,
      payment_method_types: ['card'],
      payment_status: 'unpaid',
      status: 'open',
      success_url: successUrl,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: 'hosted',
      url: `${base}/c/pay/${sessionId}`,
    };
  }

  function authenticate(req: IncomingMessage) {
    const auth = req.headers.authorization;
    const m = auth ? /^Bearer\s+(\S+)$/.exec(auth) : null;
    if (!m) {
      throw new StripeApiError(401, {
        type: 'invalid_request_error',
        message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      });
    }
    const key = m[1]!;
    if (!key.startsWith('sk_test_') || (opts.secretKey !== undefined && key !== opts.secretKey)) {
      throw new StripeApiError(401, { type: 'invalid_request_error', code: 'api_key_invalid', message: `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` });
    }
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const json = JSON.stringify(body, null, 2);
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req'), 'stripe-version': Stripe.API_VERSION, ...headers });
    res.end(json);
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
    const raw = await readBody(req);
    const entry: LoggedRequest = { method, path: url.pathname, idempotencyKey, params: {}, status: 0, replayed: false };
    requests.push(entry);
    const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
      entry.status = status;
      send(res, status, body, headers);
    };
    try {
      entry.params = decodeForm(method === 'GET' ? url.search.slice(1) : raw);
      if (!url.pathname.startsWith('/v1/')) return reply(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${url.pathname}).` } });
      const fault = faults.shift();
      if (fault?.kind === 'reset') {
        entry.status = 'reset';
        return req.socket.destroy();
      }
      if (fault?.kind === 'http') {
        const headers: Record<string, string> = fault.shouldRetry === undefined ? {} : { 'stripe-should-retry': String(fault.shouldRetry) };
        const type = fault.status >= 500 ? 'api_error' : 'invalid_request_error';
        return reply(fault.status, { error: { type, message: fault.status >= 500 ? 'An unknown error occurred' : `Injected ${fault.status}` } }, headers);
      }
      authenticate(req);
      // Stripe's parameter and metadata rules for the endpoints we call (fake-stripe-rules.ts).
      const broken = checkRequest(method, url.pathname, entry.params);
      if (broken) throw new StripeApiError(400, broken);

      // Creations (sessions, transfers) share Stripe's idempotency rules: the same key with
      // the same parameters replays the first answer; with other parameters it is refused.
      const create = (makeObject: () => { id: string }) => {
        if (req.headers['content-type']?.split(';')[0] !== 'application/x-www-form-urlencoded') {
          throw invalid('Invalid request: the body must be application/x-www-form-urlencoded');
        }
        const params = canonical(entry.params);
        // « You can remove keys from the system automatically after they're at least 24 hours
        // old. We generate a new request if a key is reused after the original is pruned. »
        // (https://docs.stripe.com/idempotency): the stand-in prunes at exactly 24 h.
        if (idempotencyKey && nowMs() - (idempotent.get(idempotencyKey)?.at ?? Infinity) >= IDEMPOTENCY_KEY_LIFETIME_MS) idempotent.delete(idempotencyKey);
        const previous = idempotencyKey ? idempotent.get(idempotencyKey) : undefined;
        if (previous) {
          if (previous.method !== method || previous.path !== url.pathname || previous.params !== params) {
            throw new StripeApiError(400, {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            });
          }
          entry.replayed = true;
          if (fault?.kind === 'reset_after_create') {
            entry.status = 'reset';
            return req.socket.destroy();
          }
          return reply(previous.status, previous.body, { 'idempotent-replayed': 'true', 'original-request': 'req_original' });
        }
        // A request failing validation never began executing: Stripe saves no result for
        // its key (the thrown error is answered below), so a corrected retry may reuse it.
        const body = structuredClone(makeObject());
        if (idempotencyKey) idempotent.set(idempotencyKey, { method, path: url.pathname, params, status: 200, body, at: nowMs() });
        if (fault?.kind === 'reset_after_create') {
          entry.status = 'reset';
          return req.socket.destroy();
        }
        return reply(200, body, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
      };
      if (method === 'POST' && url.pathname === '/v1/checkout/sessions') {
        return create(() => {
          const session = createSession(entry.params);
          sessions.set(session.id, session);
          return session;
        });
      }
      if (method === 'POST' && url.pathname === '/v1/transfers') return create(() => createTransfer(money, entry.params));
      if (method === 'POST' && url.pathname === '/v1/refunds') return create(() => createRefund(money, entry.params));
      const reversal = /^\/v1\/transfers\/([^/]+)\/reversals$/.exec(url.pathname);
      if (method === 'POST' && reversal) return create(() => reverseTransfer(money, decodeURIComponent(reversal[1]!), entry.params).reversal);
      if (method === 'GET' && url.pathname === '/v1/refunds') return reply(200, listRefunds(money, entry.params));
      if (method === 'GET' && url.pathname === '/v1/transfers') return reply(200, listTransfers(money, entry.params));

      const m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(url.pathname);
      if (method === 'GET' && m) {
        const session = sessions.get(decodeURIComponent(m[1]!));
        if (!session) throw new StripeApiError(404, { type: 'invalid_request_error', code: 'resource_missing', param: 'session', message: `No such checkout.session: '${m[1]}'` });
        return reply(200, session);
      }
      return reply(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.` } });
    } catch (err) {
      if (err instanceof StripeApiError) return reply(err.status, { error: err.body });
      return reply(500, { error: { type: 'api_error', message: `Fake Stripe failure: ${String(err)}` } });
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const session = (sid: string) => {
    const s = sessions.get(sid);
    if (!s) throw new Error(`fake Stripe: no session ${sid}`);
    return s;
  };

  const fake: FakeStripe = {
    url: base,
    sessions,
    transfers,
    refunds,
    requests,
    failNext: (...f) => faults.push(...f),
    advanceTime(ms) {
      offsetMs += ms;
    },
    setBalance(cents) {
      money.balance.available = cents;
    },
    balance: () => money.balance.available,
    setRefundMode(mode) {
      money.refundMode.next = mode;
    },
    settleRefund(rid, outcome, failureReason) {
      const { refund, types } = settleRefund(money, rid, outcome, failureReason);
      return types.map((type) => fake.event(type, refund as unknown as Record<string, unknown>));
    },
    reverseTransfer(tid, amountCents) {
      const { transfer } = reverseTransfer(money, tid, amountCents === undefined ? {} : { amount: String(amountCents) });
      return fake.event('transfer.reversed', transfer as unknown as Record<string, unknown>);
    },
    completeSession(sid, { paymentStatus = 'paid' } = {}) {
      const s = session(sid);
      if (s.status === 'expired') throw new Error(`fake Stripe: session ${sid} is expired`);
      s.status = 'complete';
      s.payment_status = paymentStatus;
      s.url = null;
      s.payment_intent ??= id('pi');
      // The payment adds to the platform balance when the test models it (fees left out).
      if (money.balance.available !== null && paymentStatus === 'paid') money.balance.available += s.amount_total;
      s.customer_details = { email: s.customer_email, name: null };
      return structuredClone(s);
    },
    expireSession(sid) {
      const s = session(sid);
      if (s.status !== 'open') throw new Error(`fake Stripe: session ${sid} is ${s.status}, only open sessions expire`);
      s.status = 'expired';
      s.url = null;
      return structuredClone(s);
    },
    event: (type, object) => ({
      id: id('evt'),
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: nowSeconds(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    }),
    signedDelivery(event, webhookSecret) {
      const payload = JSON.stringify(event, null, 2);
      signer ??= new Stripe('sk_test_x');
      return { payload, header: signer.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }) };
    },
    deliver(appUrl, event, webhookSecret) {
      const { payload, header } = fake.signedDelivery(event, webhookSecret);
      return postWebhook(appUrl, payload, header);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
