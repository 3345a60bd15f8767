/**
 * Money-moving events with no operator behind them (card payments, suspense, voids,
 * expiry, Stripe payouts) land in the audit log; till redemptions are read from the
 * redemptions table on the page's second tab (not copied: the till's path stays as is).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../server/lib/ids';
import { createLogger } from '../../server/lib/logger';
import { parisDate } from '../../server/lib/paris-time';
import { DemoProvider } from '../../server/payments/demo-provider';
import { rowOf, rowsOf } from '../support/backend-query';
import { expireOn, providerEventOn, transferEventOn } from '../support/builders-on';
import { buyVouchersOn as buy } from '../support/builders';
import { merchantIdOn, settle as settleOn, take as takeOn, voidOn } from '../support/settlement';
import { DEMO_VIEWER_EMAIL, operatorClient } from '../support/operator';
import { FormClient, fixedClock, startTestApp, type TestApp } from '../support/test-app';

const clock = fixedClock('2026-11-16T09:00:00Z');
let app: TestApp;
let viewer: FormClient;

beforeAll(async () => {
  app = await startTestApp({ clock });
  viewer = await operatorClient(app.url, DEMO_VIEWER_EMAIL);
});
afterAll(() => app?.close());

interface Entry { actor: string; action: string; entityType: string; entityId: string; before: unknown; after: unknown; reason: string | null }
/** The audit entries of `action` (of one entity), in the order written, read on the app's backend. */
async function entries(action: string, entityId?: string): Promise<Entry[]> {
  const columns = 'actor, action, entity_type, entity_id, before, after, reason';
  const rows = await rowsOf<{ actor: string; action: string; entity_type: string; entity_id: string; before: string | null; after: string | null; reason: string | null }>(
    app,
    entityId === undefined ? `SELECT ${columns} FROM audit_log WHERE action = @action ORDER BY id` : `SELECT ${columns} FROM audit_log WHERE action = @action AND entity_id = @entityId ORDER BY id`,
    entityId === undefined ? { action } : { action, entityId },
  );
  return rows.map((r) => ({ actor: r.actor, action: r.action, entityType: r.entity_type, entityId: r.entity_id, reason: r.reason, before: r.before && JSON.parse(r.before), after: r.after && JSON.parse(r.after) }));
}
const auditCount = async () => (await rowOf<{ n: number }>(app, 'SELECT COUNT(*) AS n FROM audit_log'))!.n;
const take = (shop: string, code: string, amountCents: number) => takeOn(app, shop, code, amountCents);

describe('money events in the audit log', () => {
  it('a card payment through the provider writes one order entry; a wrong amount one suspense entry', async () => {
    const [v] = await buy(app, { amountCents: 50_00 });
    expect(await entries('order_payment_confirmed', v!.orderId)).toEqual([
      expect.objectContaining({ actor: 'provider:demo', entityType: 'order', before: { status: 'pending_payment', paidCents: 0 }, after: expect.objectContaining({ status: 'paid', paidCents: 50_00 }) }),
    ]);

    // An order paid with the wrong amount: held in suspense, flagged, audited once even if redelivered.
    const payments = new DemoProvider('http://127.0.0.1');
    const deps = { clock: app.clock, logger: createLogger('silent'), operator: app.config.operator };
    const other = await buy(app, { amountCents: 20_00 }); // a paid order to copy a pending one from
    const orderId = other[0]!.orderId;
    await rowsOf(app, `UPDATE orders SET status = 'pending_payment', paid_cents = 0, checkout_ref = 'cs_wrong' WHERE id = @orderId`, { orderId });
    const event = payments.simulatedEvent('cs_wrong', 'paid', 19_00);
    expect(await providerEventOn(app, deps, event)).toBe('amount_mismatch');
    expect(await providerEventOn(app, deps, { ...event, id: `${event.id}-again` })).toBe('amount_mismatch');
    expect(await entries('order_payment_suspense', orderId)).toEqual([
      expect.objectContaining({ actor: 'provider:demo', after: expect.objectContaining({ suspenseCents: 19_00, expectedCents: 20_00 }), reason: 'amount_mismatch' }),
    ]);
  });

  it('a void writes one entry with the balance before and after; the redemption itself writes none', async () => {
    const shop = await merchantIdOn(app, 'librairie-la-galerne');
    const [v] = await buy(app, { amountCents: 40_00 });
    const before = await auditCount();
    const r = await take(shop, v!.code, 15_00);
    expect(await auditCount()).toBe(before);
    await voidOn(app, { merchantId: shop, actor: 'user:someone', redemptionId: r.redemption.id });
    await voidOn(app, { merchantId: shop, actor: 'user:someone', redemptionId: r.redemption.id }); // replay: no second entry
    expect(await entries('redemption_void', r.redemption.id)).toEqual([
      expect.objectContaining({ actor: 'user:someone', entityType: 'redemption', before: expect.objectContaining({ status: 'completed', balanceCents: 25_00 }), after: expect.objectContaining({ status: 'voided', balanceCents: 40_00 }) }),
    ]);
  });

  it('a Stripe payout writes a paid entry, a failure and a reversal one each', async () => {
    const shop = await merchantIdOn(app, 'bijouterie-falaise');
    await rowsOf(app, `UPDATE merchants SET stripe_account_id = 'acct_1Falaise' WHERE id = @shop`, { shop });
    const [v] = await buy(app, { amountCents: 30_00 });
    await take(shop, v!.code, 12_00);
    clock.advance(3600_000);
    const failing = { findTransfer: async () => null, createTransfer: async () => { throw new Error('account_invalid'); } };
    const first = await settleOn(app, parisDate(clock.now()), failing);
    expect(first.stripe).toEqual({ paid: 0, failed: 1 });
    const id = (await rowOf<{ id: string }>(app, `SELECT id FROM statements WHERE merchant_id = @shop AND method = 'stripe'`, { shop }))!.id;
    expect(await entries('statement_payout_failed', id)).toEqual([expect.objectContaining({ actor: 'system:payout', entityType: 'statement', before: expect.objectContaining({ status: 'pending' }), after: expect.objectContaining({ status: 'failed', failureReason: 'account_invalid' }) })]);

    clock.advance(60_000);
    await settleOn(app, parisDate(clock.now()), { findTransfer: async () => null, createTransfer: async () => ({ id: 'tr_audit_1' }) });
    expect(await entries('statement_paid', id)).toEqual([expect.objectContaining({ actor: 'system:payout', before: { status: 'failed' }, after: expect.objectContaining({ status: 'paid', stripeTransferId: 'tr_audit_1' }) })]);
    expect(await transferEventOn(app, { type: 'transfer.reversed', transferId: 'tr_audit_1', reversed: true })).toBe('applied');
    expect(await entries('statement_transfer_reversed', id)).toEqual([expect.objectContaining({ actor: 'provider:stripe', before: expect.objectContaining({ status: 'paid' }), after: expect.objectContaining({ status: 'failed' }) })]);
    await rowsOf(app, `UPDATE merchants SET stripe_account_id = NULL WHERE id = @shop`, { shop });
  });
});

describe('till redemptions tab', () => {
  let fromagerie: string;
  let code: string;
  beforeAll(async () => {
    fromagerie = await merchantIdOn(app, 'fromagerie-du-marche');
    const [v, w] = await buy(app, { amountCents: 50_00, quantity: 2 });
    code = v!.formatted;
    await take(fromagerie, v!.code, 10_00);
    await take(fromagerie, v!.code, 7_50);
    await take(await merchantIdOn(app, 'librairie-la-galerne'), w!.code, 5_00);
  });

  it('lists redemptions newest first with balance before → after, filtered by shop and code', async () => {
    const all = await viewer.get('/operateur/journal-audit/encaissements');
    expect(all.res.status).toBe(200);
    const numbers = [...all.html.matchAll(/<tr>\s*<td>(\d+)<\/td>/g)].map((m) => Number(m[1]));
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));

    const byCode = await viewer.get(`/operateur/journal-audit/encaissements?code=${encodeURIComponent(code.toLowerCase())}`);
    const rows = byCode.html.split('<tr>').slice(2);
    expect(rows).toHaveLength(2);
    expect(byCode.html).toContain(code.slice(-4));
    expect(byCode.html).not.toContain(code.slice(0, 9));
    expect(rows[0]).toMatch(/40,00\s*€ → 32,50\s*€/);
    expect(rows[1]).toMatch(/50,00\s*€ → 40,00\s*€/);

    const byShop = await viewer.get(`/operateur/journal-audit/encaissements?shop=${fromagerie}`);
    const shopRows = byShop.html.split('<tr>').slice(2);
    expect(shopRows.length).toBeGreaterThanOrEqual(2);
    expect(shopRows.every((r) => r.includes('Fromagerie'))).toBe(true);
    expect((await viewer.get('/operateur/journal-audit/encaissements?code=AAAA')).html).toContain('aria-invalid="true"');
  });

  it('exports the same columns as CSV', async () => {
    const res = await viewer.request(`/operateur/journal-audit/encaissements.csv?code=${encodeURIComponent(code)}`);
    expect(res.status).toBe(200);
    const lines = (await res.text()).replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toBe('numero;date_paris;commerce;acteur;acteur_nom;bon;montant;solde_avant;solde_apres;statut;annule_le;annule_par');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/;7,50;40,00;32,50;completed;;$/);
  });
});

describe('expiry', () => {
  it('writes one entry per campaign and chunk', async () => {
    const id = newId();
    await rowsOf(
      app,
      `INSERT INTO campaigns (id, slug, name, description, operator_name, status, currency, target_cents, denominations_cents, min_amount_cents, max_amount_cents,
         validity_days, max_vouchers_per_order, max_order_cents_individual, breakage_rule, sponsor_name, starts_at, created_at)
       SELECT @id, 'audit-expiry', 'Audit expiry', description, operator_name, status, currency, target_cents, denominations_cents, min_amount_cents, max_amount_cents,
         validity_days, max_vouchers_per_order, max_order_cents_individual, 'operator', 'Ville du Havre', starts_at, created_at FROM campaigns WHERE slug = 'seine-estuaire'`,
      { id },
    );
    await rowsOf(app, `INSERT INTO campaign_merchants (campaign_id, merchant_id) SELECT @id, merchant_id FROM campaign_merchants WHERE campaign_id = (SELECT id FROM campaigns WHERE slug = 'seine-estuaire')`, { id });
    await buy(app, { amountCents: 20_00, quantity: 3, campaign: 'audit-expiry' });
    const r = await expireOn(app, { now: new Date('2030-01-01T00:00:00Z'), batchSize: 2 });
    const mine = r.byCampaign.find((c) => c.slug === 'audit-expiry')!;
    expect(mine).toMatchObject({ vouchers: 3, cents: 60_00, journals: 2 });
    expect((await entries('campaign_vouchers_expired', id)).map((e) => e.after)).toEqual([
      expect.objectContaining({ vouchers: 2, cents: 40_00, rule: 'operator' }),
      expect.objectContaining({ vouchers: 1, cents: 20_00, rule: 'operator' }),
    ]);
    expect((await entries('campaign_vouchers_expired', id))[0]).toMatchObject({ actor: 'system:expiry', entityType: 'campaign' });
    // One entry per journal across all campaigns, none per voucher.
    expect(await entries('campaign_vouchers_expired')).toHaveLength(r.byCampaign.reduce((s, c) => s + c.journals, 0));
  });
});
