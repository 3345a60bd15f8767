/**
 * Shops with a connected Stripe account are paid by Connect transfers (against the local
 * Stripe-compatible server): one per statement, the batch as transfer_group, the statement
 * as idempotency key and metadata; webhooks confirm or reverse; failures are retried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parisDate } from '../../server/lib/paris-time';
import { stripeClient } from '../../server/payments/stripe-provider';
import { stripeTransfers } from '../../server/payments/stripe-transfers';
import { rowOf, rowsOf } from '../support/backend-query';
import { ledgerBreaches as booksOf } from '../support/ledger-check';
import { buyVouchersOn } from '../support/builders';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { merchantIdOn, settle, take } from '../support/settlement';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

const SECRET = 'sk_test_connect';
const WEBHOOK_SECRET = 'whsec_connect';
const clock = fixedClock('2026-11-16T09:00:00Z');
let stripe: FakeStripe;
let app: TestApp;
const q = async (sql: string, params: Record<string, string>) => (await rowOf<Record<string, unknown>>(app, sql, params))!;
const setAccount = (id: string, account: string) => rowsOf(app, `UPDATE merchants SET stripe_account_id = @account WHERE id = @id`, { account, id });

beforeAll(async () => {
  stripe = await startFakeStripe({ secretKey: SECRET });
  app = await startTestApp({ clock, stripe: { secretKey: SECRET, webhookSecret: WEBHOOK_SECRET, apiBase: stripe.url } });
});
afterAll(async () => {
  await app?.close();
  await stripe?.close();
});

const gateway = () => stripeTransfers(stripeClient(app.config.stripe!));

describe('Stripe Connect payouts', () => {
  it('pays a connected shop by one transfer per statement; webhooks are idempotent; a reversal is booked back', async () => {
    const galerne = await merchantIdOn(app, 'librairie-la-galerne');
    await setAccount(galerne, 'acct_1Galerne');
    const [v] = await buyVouchersOn(app, { amountCents: 100_00, quantity: 1 });
    await take(app, galerne, v!.code, 64_10);
    clock.advance(3600_000);
    const r = await settle(app, parisDate(clock.now()), gateway());
    expect(r.stripe).toEqual({ paid: 1, failed: 0 });
    const s = r.batch!.statements.find((x) => x.merchant === 'librairie-la-galerne')!;
    expect(s).toMatchObject({ method: 'stripe', status: 'paid', grossCents: 64_10 });
    const transfers = [...stripe.transfers.values()];
    expect(transfers).toHaveLength(1);
    const statementRow = await q(`SELECT id, stripe_transfer_id FROM statements WHERE reference = @ref`, { ref: s.reference });
    expect(transfers[0]).toMatchObject({ amount: s.netCents, currency: 'eur', destination: 'acct_1Galerne', transfer_group: r.batch!.reference, metadata: { statement_id: statementRow.id } });
    expect(statementRow.stripe_transfer_id).toBe(transfers[0]!.id);
    // Shops without a Stripe account in this batch go by SEPA; nothing else went to Stripe.
    expect(r.batch!.statements.filter((x) => x.method === 'stripe')).toHaveLength(1);

    const created = await stripe.deliver(app.url, stripe.event('transfer.created', { ...transfers[0]! }), WEBHOOK_SECRET);
    expect(created).toMatchObject({ status: 200, body: { outcome: 'ignored' } }); // already paid from the API answer
    const reversed = stripe.event('transfer.reversed', { ...transfers[0]!, reversed: true });
    expect((await stripe.deliver(app.url, reversed, WEBHOOK_SECRET)).body).toMatchObject({ outcome: 'applied' });
    expect((await stripe.deliver(app.url, reversed, WEBHOOK_SECRET)).body).toMatchObject({ outcome: 'ignored' });
    expect(await q(`SELECT status, failure_reason FROM statements WHERE id = @id`, { id: String(statementRow.id) })).toEqual({ status: 'failed', failure_reason: 'transfer_reversed' });
    expect(await booksOf(app)).toEqual([]);
    // A reversed transfer is not re-sent by itself: it needs the operator to look.
    expect((await settle(app, parisDate(clock.now()), gateway())).stripe).toEqual({ paid: 0, failed: 0 });
    expect(stripe.transfers.size).toBe(1);
  });

  it('keeps a refused transfer failed with its reason, retries it next run to the fixed account, once', async () => {
    const fromagerie = await merchantIdOn(app, 'fromagerie-du-marche');
    await setAccount(fromagerie, 'acct_missing42');
    const [v] = await buyVouchersOn(app, { amountCents: 50_00, quantity: 1 });
    await take(app, fromagerie, v!.code, 20_00);
    clock.advance(3600_000);
    const first = await settle(app, parisDate(clock.now()), gateway());
    expect(first.stripe).toEqual({ paid: 0, failed: 1 });
    const ref = first.batch!.statements.find((x) => x.merchant === 'fromagerie-du-marche')!.reference;
    expect(await q(`SELECT status, failure_reason FROM statements WHERE reference = @ref`, { ref })).toMatchObject({ status: 'failed', failure_reason: expect.stringContaining('No such destination') });
    expect(await booksOf(app)).toEqual([]);

    await setAccount(fromagerie, 'acct_1Fromagerie');
    const before = stripe.transfers.size;
    const retry = await settle(app, parisDate(clock.now()), gateway());
    expect(retry).toMatchObject({ created: false, stripe: { paid: 1, failed: 0 } });
    expect(await q(`SELECT status, stripe_account_id FROM statements WHERE reference = @ref`, { ref })).toEqual({ status: 'paid', stripe_account_id: 'acct_1Fromagerie' });
    expect((await settle(app, parisDate(clock.now()), gateway())).stripe).toEqual({ paid: 0, failed: 0 });
    expect(stripe.transfers.size - before).toBe(1);
    expect(await booksOf(app)).toEqual([]);
  });

  it('leaves Stripe statements pending (and says why) when Stripe is not configured', async () => {
    const bijouterie = await merchantIdOn(app, 'bijouterie-falaise');
    await setAccount(bijouterie, 'acct_1Bijou');
    const [v] = await buyVouchersOn(app, { amountCents: 50_00, quantity: 1 });
    await take(app, bijouterie, v!.code, 5_00);
    clock.advance(3600_000);
    const r = await settle(app, parisDate(clock.now()), null);
    expect(r.stripe).toEqual({ paid: 0, failed: 1 });
    expect(await q(`SELECT failure_reason FROM statements WHERE merchant_id = @id ORDER BY created_at DESC LIMIT 1`, { id: bijouterie })).toEqual({ failure_reason: 'stripe_not_configured' });
  });
});
