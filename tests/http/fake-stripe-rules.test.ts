import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripeClient } from '../../server/payments/stripe-provider';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';

/**
 * The Stripe stand-in refuses what Stripe refuses (tests/support/fake-stripe-rules.ts), checked
 * through the official SDK as the app calls it: unknown parameters at any depth, more than
 * 100 line items in payment mode, amounts outside one charge's bounds, and metadata beyond
 * 50 keys / 40-character keys / 500-character values on every object that carries it.
 * Each refusal has its accepted twin at the limit, so a rule that refused everything fails too.
 */
const SECRET_KEY = 'sk_test_stand_in_rules_51Hx';
let stripe: FakeStripe;
let sdk: Stripe;

beforeAll(async () => {
  stripe = await startFakeStripe({ secretKey: SECRET_KEY });
  sdk = stripeClient({ secretKey: SECRET_KEY, apiBase: stripe.url });
});
afterAll(() => stripe?.close());

const item = (unitAmount: number, quantity = 1): Stripe.Checkout.SessionCreateParams.LineItem => ({ quantity, price_data: { currency: 'eur', unit_amount: unitAmount, product_data: { name: 'Bon' } } });
const session = (over: Record<string, unknown> = {}): Stripe.Checkout.SessionCreateParams => ({ mode: 'payment', success_url: 'http://shop.test/ok', line_items: [item(2000)], ...over });

/** The SDK's error for a call expected to be refused (fails the test when it is accepted). */
async function refusal(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  const outcome = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(outcome, 'the stand-in should refuse this request').toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  const err = outcome as Stripe.errors.StripeError;
  expect(err.statusCode).toBe(400);
  expect(err.type).toBe('StripeInvalidRequestError');
  return err;
}

const metadata = (n: number, key = (i: number) => `k${i}`, value = 'v') => Object.fromEntries(Array.from({ length: n }, (_, i) => [key(i), value]));
let paidIntent = '';

describe('unknown parameters are refused with parameter_unknown, at any depth', () => {
  it('on Checkout Session creation: top level, line item, price_data, product_data, payment_intent_data', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ colour: 'blue' }, 'colour'],
      [{ line_items: [{ ...item(2000), colour: 'blue' }] }, 'line_items[0][colour]'],
      [{ line_items: [item(1000), { ...item(2000), price_data: { ...item(2000).price_data, colour: 'blue' } }] }, 'line_items[1][price_data][colour]'],
      [{ line_items: [{ ...item(2000), price_data: { ...item(2000).price_data, product_data: { name: 'Bon', colour: 'blue' } } }] }, 'line_items[0][price_data][product_data][colour]'],
      [{ payment_intent_data: { metadata: { orderId: 'o1' }, colour: 'blue' } }, 'payment_intent_data[colour]'],
    ];
    for (const [over, param] of cases) {
      const err = await refusal(sdk.checkout.sessions.create(session(over)));
      expect(err.code).toBe('parameter_unknown');
      expect(err.param).toBe(param);
      expect(err.message).toBe(`Received unknown parameter: ${param}`);
    }
    // Parameters Stripe documents for the endpoint are taken, nested ones included.
    const ok = await sdk.checkout.sessions.create(session({ submit_type: 'pay', expand: ['payment_intent'], line_items: [{ ...item(2000), price_data: { ...item(2000).price_data, tax_behavior: 'inclusive', product_data: { name: 'Bon', description: 'Bon d’achat' } } }], payment_intent_data: { description: 'x', metadata: { a: 'b' } } }));
    expect(ok.amount_total).toBe(2000);
  });

  it('on transfers, refunds and lookups', async () => {
    const transfer = await refusal(sdk.transfers.create({ amount: 100, currency: 'eur', destination: 'acct_1Shop', colour: 'blue' } as Stripe.TransferCreateParams));
    expect([transfer.code, transfer.param]).toEqual(['parameter_unknown', 'colour']);
    const refund = await refusal(sdk.refunds.create({ payment_intent: 'pi_x', colour: 'blue' } as Stripe.RefundCreateParams));
    expect([refund.code, refund.param]).toEqual(['parameter_unknown', 'colour']);
    const created = await sdk.checkout.sessions.create(session());
    const lookup = await refusal(sdk.checkout.sessions.retrieve(created.id, { colour: 'blue' } as Stripe.Checkout.SessionRetrieveParams));
    expect([lookup.code, lookup.param]).toEqual(['parameter_unknown', 'colour']);
    expect((await sdk.checkout.sessions.retrieve(created.id, { expand: ['line_items'] })).id).toBe(created.id);
  });

  it('refuses before the idempotency key is used: the corrected request with the same key goes through', async () => {
    await refusal(sdk.checkout.sessions.create(session({ colour: 'blue' }), { idempotencyKey: 'rules-retry-1' }));
    const ok = await sdk.checkout.sessions.create(session(), { idempotencyKey: 'rules-retry-1' });
    expect(ok.id).toMatch(/^cs_test_/);
  });
});

describe('a Checkout Session in payment mode', () => {
  it('takes at most 100 line items', async () => {
    const hundred = await sdk.checkout.sessions.create(session({ line_items: Array.from({ length: 100 }, (_, i) => item(100 + i)) }));
    expect(hundred.amount_total).toBe(100 * 100 + (99 * 100) / 2);
    const err = await refusal(sdk.checkout.sessions.create(session({ line_items: Array.from({ length: 101 }, (_, i) => item(100 + i)) })));
    expect(err.param).toBe('line_items');
    expect(err.message).toContain('100 line items');
  });

  it('charges at most 99 999 999 cents and at least 50 cents (EUR)', async () => {
    expect((await sdk.checkout.sessions.create(session({ line_items: [item(33_333_333, 3)] }))).amount_total).toBe(99_999_999);
    const large = await refusal(sdk.checkout.sessions.create(session({ line_items: [item(50_000_000), item(50_000_000)] })));
    expect(large.code).toBe('amount_too_large');
    expect((await sdk.checkout.sessions.create(session({ line_items: [item(25, 2)] }))).amount_total).toBe(50);
    const small = await refusal(sdk.checkout.sessions.create(session({ line_items: [item(49)] })));
    expect(small.code).toBe('amount_too_small');
  });
});

describe('metadata limits hold on every object that carries metadata', () => {
  beforeAll(async () => {
    const paid = stripe.completeSession((await sdk.checkout.sessions.create(session({ line_items: [item(10_000)] }))).id);
    paidIntent = paid.payment_intent!;
  });

  /** Each object we create with metadata, with the metadata to try. */
  const objects: [string, (m: Record<string, string>) => Promise<unknown>, string][] = [
    ['Checkout Session', (m) => sdk.checkout.sessions.create(session({ metadata: m })), 'metadata'],
    ['its PaymentIntent data', (m) => sdk.checkout.sessions.create(session({ payment_intent_data: { metadata: m } })), 'payment_intent_data[metadata]'],
    ['a line item’s product', (m) => sdk.checkout.sessions.create(session({ line_items: [{ ...item(2000), price_data: { ...item(2000).price_data, product_data: { name: 'Bon', metadata: m } } }] })), 'line_items[0][price_data][product_data][metadata]'],
    ['a transfer', (m) => sdk.transfers.create({ amount: 100, currency: 'eur', destination: 'acct_1Shop', metadata: m }), 'metadata'],
    ['a refund', (m) => sdk.refunds.create({ payment_intent: paidIntent, amount: 1, metadata: m }), 'metadata'],
  ];

  for (const [what, create, param] of objects) {
    it(`on ${what}: 50 keys, 40-character keys, 500-character values`, async () => {
      await create(metadata(50));
      expect((await refusal(create(metadata(51)))).param).toBe(param);
      await create({ ['k'.repeat(40)]: 'v' });
      expect((await refusal(create({ ['k'.repeat(41)]: 'v' }))).param).toBe(param);
      await create({ k: 'v'.repeat(500) });
      expect((await refusal(create({ k: 'v'.repeat(501) }))).param).toBe(`${param}[k]`);
    });
  }
});
