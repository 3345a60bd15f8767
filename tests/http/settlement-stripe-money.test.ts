/**
 * Issue 12, finding 5 (payouts): Connect transfers whose outcome is unknown are looked up
 * before a retry creates one (Stripe prunes idempotency keys after 24 h and the weekly run
 * retries days later), partial reversals book only what Stripe took back, and a platform
 * balance too low (`balance_insufficient`) leaves the statement payable for the next run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferGateway } from '../../server/domain/settlements/payouts';
import { parisDate } from '../../server/lib/paris-time';
import { stripeClient } from '../../server/payments/stripe-provider';
import { stripeTransfers } from '../../server/payments/stripe-transfers';
import { rowOf, rowsOf } from '../support/backend-query';
import { ledgerBreaches as booksOf } from '../support/ledger-check';
import { buyVouchersOn } from '../support/builders';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe';
import { operatorClient } from '../support/operator';
import { merchantIdOn, settle, take } from '../support/settlement';
import { fixedClock, startTestApp, type TestApp } from '../support/test-app';

const SECRET = 'sk_test_connect_money';
const WEBHOOK_SECRET = 'whsec_connect_money';
const clock = fixedClock('2026-11-16T09:00:00Z');
let stripe: FakeStripe;
let app: TestApp;
const row = async (sql: string, params: Record<string, string> = {}) => (await rowOf<Record<string, any>>(app, sql, params))!;
const payoutsPending = async () => (await row(`SELECT -COALESCE(SUM(amount_cents), 0) AS n FROM journal_lines WHERE account = 'payouts_pending'`)).n as number;

beforeAll(async () => {
  stripe = await startFakeStripe({ secretKey: SECRET });
  app = await startTestApp({ clock, stripe: { secretKey: SECRET, webhookSecret: WEBHOOK_SECRET, apiBase: stripe.url } });
});
afterAll(async () => {
  await app?.close();
  await stripe?.close();
});

const gateway = () => stripeTransfers(stripeClient(app.config.stripe!));

/** One shop on Stripe Connect with `grossCents` redeemed, due in the next run; returns its id. */
async function connectedShopWithSales(slug: string, account: string, grossCents: number) {
  const shop = await merchantIdOn(app, slug);
  await rowsOf(app, `UPDATE merchants SET stripe_account_id = @account WHERE id = @shop`, { account, shop });
  const [v] = await buyVouchersOn(app, { amountCents: grossCents, quantity: 1 });
  await take(app, shop, v!.code, grossCents);
  clock.advance(3600_000);
  return shop;
}
const statementOf = (shop: string) => row(`SELECT id, reference, status, failure_reason, net_cents, reversed_cents, stripe_transfer_id FROM statements WHERE merchant_id = @shop AND method = 'stripe' ORDER BY created_at DESC LIMIT 1`, { shop });
const transfersFor = (statementId: string) => [...stripe.transfers.values()].filter((t) => t.metadata.statement_id === statementId);

describe('Stripe Connect payouts: retries, reversals, balance', () => {
  it('a transfer retried 25 hours after a lost answer does not pay the shop twice', async () => {
    const shop = await connectedShopWithSales('librairie-la-galerne', 'acct_1GalerneRetry', 40_00);
    // Stripe makes the transfer, but the answer never reaches us (network cut).
    const real = gateway();
    const lossy: TransferGateway = { ...real, createTransfer: async (t) => { await real.createTransfer(t); throw new Error('socket hang up'); } };
    expect((await settle(app, parisDate(clock.now()), lossy)).stripe).toEqual({ paid: 0, failed: 1 });
    const s = await statementOf(shop);
    expect(s).toMatchObject({ status: 'failed', stripe_transfer_id: null });
    expect(transfersFor(s.id)).toHaveLength(1);

    stripe.advanceTime(25 * 3600_000); // the weekly run retries long after Stripe pruned the key
    clock.advance(25 * 3600_000);
    expect((await settle(app, parisDate(clock.now()), gateway())).stripe).toEqual({ paid: 1, failed: 0 });
    const made = transfersFor(s.id);
    expect(made).toHaveLength(1);
    expect(await statementOf(shop)).toMatchObject({ status: 'paid', stripe_transfer_id: made[0]!.id });
    expect(stripe.requests.some((r) => r.method === 'GET' && r.path === '/v1/transfers' && r.params.transfer_group !== undefined)).toBe(true);
    expect(await booksOf(app)).toEqual([]);
  });

  it('a partial reversal books only the reversed amount and shows what is still owed', async () => {
    const shop = await connectedShopWithSales('fromagerie-du-marche', 'acct_1FromagerieRev', 50_00);
    expect((await settle(app, parisDate(clock.now()), gateway())).stripe).toEqual({ paid: 1, failed: 0 });
    const s = await statementOf(shop);
    expect(s.status).toBe('paid');
    const pendingBefore = await payoutsPending();

    // The platform reverses 10 € through the API (POST /v1/transfers/:id/reversals); Stripe
    // refuses more than what is left, and sends transfer.reversed with the cumulative amount.
    const sdk = stripeClient(app.config.stripe!);
    await expect(sdk.transfers.createReversal(s.stripe_transfer_id, { amount: s.net_cents + 1 })).rejects.toMatchObject({ param: 'amount' });
    await sdk.transfers.createReversal(s.stripe_transfer_id, { amount: 10_00 });
    const partial = stripe.event('transfer.reversed', { ...stripe.transfers.get(s.stripe_transfer_id)! });
    expect(partial.data.object).toMatchObject({ amount_reversed: 10_00, reversed: false });
    expect((await stripe.deliver(app.url, partial, WEBHOOK_SECRET)).body.outcome).toBe('applied');
    expect(await statementOf(shop)).toMatchObject({ status: 'partially_reversed', reversed_cents: 10_00 });
    expect((await payoutsPending()) - pendingBefore).toBe(10_00);
    expect(await booksOf(app)).toEqual([]);
    // A replay books nothing more.
    expect((await stripe.deliver(app.url, partial, WEBHOOK_SECRET)).body.outcome).toBe('ignored');
    expect((await payoutsPending()) - pendingBefore).toBe(10_00);
    const admin = await operatorClient(app.url, 'operateur@demo.bons-locaux.fr');
    const batch = (await row(`SELECT batch_id FROM statements WHERE id = @id`, { id: s.id })).batch_id as string;
    const page = await admin.get(`/operateur/reglements/${batch}`);
    expect(page.html).toContain('Repris en partie');
    expect(page.html).toMatch(/data-owed>[^<]*10,00\s€/u);
    // Not re-sent by a run: a reversal waits for the operator.
    expect((await settle(app, parisDate(clock.now()), gateway())).stripe).toEqual({ paid: 0, failed: 0 });

    // Stripe reverses the rest: the whole net is owed again, the statement failed as before.
    const rest = stripe.reverseTransfer(s.stripe_transfer_id);
    expect((await stripe.deliver(app.url, rest, WEBHOOK_SECRET)).body.outcome).toBe('applied');
    expect(await statementOf(shop)).toMatchObject({ status: 'failed', failure_reason: 'transfer_reversed', reversed_cents: s.net_cents });
    expect((await payoutsPending()) - pendingBefore).toBe(s.net_cents);
    expect((await stripe.deliver(app.url, partial, WEBHOOK_SECRET)).body.outcome).toBe('ignored'); // an older event, late
    expect(await booksOf(app)).toEqual([]);
  });

  it('a transfer refused for balance_insufficient leaves the statement payable, paid once on a later run', async () => {
    const shop = await connectedShopWithSales('bijouterie-falaise', 'acct_1BijouBalance', 30_00);
    stripe.setBalance(5_00);
    try {
      expect((await settle(app, parisDate(clock.now()), gateway())).stripe).toEqual({ paid: 0, failed: 1 });
      const s = await statementOf(shop);
      expect(s).toMatchObject({ status: 'pending', failure_reason: 'balance_insufficient', stripe_transfer_id: null });
      expect(transfersFor(s.id)).toHaveLength(0);
      expect(await booksOf(app)).toEqual([]);

      stripe.setBalance(1_000_00); // the platform's balance was topped up
      clock.advance(3600_000);
      expect((await settle(app, parisDate(clock.now()), gateway())).stripe).toEqual({ paid: 1, failed: 0 });
      expect(await statementOf(shop)).toMatchObject({ status: 'paid', failure_reason: null });
      expect(transfersFor(s.id)).toHaveLength(1);
      expect(stripe.balance()).toBe(1_000_00 - s.net_cents);
      expect(await booksOf(app)).toEqual([]);
    } finally {
      stripe.setBalance(null);
    }
  });
});
