/**
 * The sponsor bonus end to end: orders through POST /api/v1/orders (demo provider), paid by
 * the demo provider's events as buyVouchers does, the public page, the till, the books.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cancelAbandonedOrders, cancelAbandonedOrdersOnPostgres } from '../../server/domain/orders/abandoned-orders';
import { applyProviderEventPostgres } from '../../server/domain/orders/payment-events-postgres';
import { handleProviderEvent } from '../../server/domain/orders/payment-events-service';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import type { DemoProvider } from '../../server/payments/demo-provider';
import { rowOf, rowsOf } from '../support/backend-query';
import { shopKeyOn } from '../support/builders';
import { ledgerBreaches } from '../support/ledger-check';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => app?.close());

// Rows read and set on the app's backend (rowsOf: `@name` parameters, lower-case aliases).
const sql = (q: string, params: Record<string, string | number | null> = {}) => rowsOf(app, q, params);
const get = async <T = Record<string, number>>(q: string, params: Record<string, string | number | null> = {}) => (await rowOf<T>(app, q, params))!;
const campaign = () => get<{ reserved: number; used: number; budget: number; sold: number }>(
  `SELECT bonus_reserved_cents reserved, bonus_used_cents used, bonus_budget_cents budget, sold_cents sold FROM campaigns WHERE slug = 'seine-estuaire'`,
);

/** Sets the bonus of seine-estuaire (no operator screen yet) and forgets earlier orders' bonus. */
async function setBonus(over: { kind?: string; bps?: number; fixed?: number; cap?: number | null; budget: number }) {
  await sql(`UPDATE orders SET bonus_cents = 0 WHERE campaign_id = (SELECT id FROM campaigns WHERE slug = 'seine-estuaire') AND status = 'cancelled'`);
  const held = await get<{ p: number; u: number }>(`SELECT COALESCE(SUM(CASE WHEN status = 'pending_payment' THEN bonus_cents END), 0) p, COALESCE(SUM(CASE WHEN status IN ('paid','refunded') THEN bonus_cents END), 0) u FROM orders WHERE campaign_id = (SELECT id FROM campaigns WHERE slug = 'seine-estuaire')`);
  expect(held.p, 'no pending bonus left between tests').toBe(0);
  await sql(
    `UPDATE campaigns SET sponsor_name = 'Ville du Havre', bonus_kind = @kind, bonus_bps = @bps, bonus_fixed_cents = @fixed, bonus_cap_per_buyer_cents = @cap, bonus_budget_cents = @budget + bonus_used_cents WHERE slug = 'seine-estuaire'`,
    { kind: over.kind ?? 'percent', bps: over.bps ?? 2_000, fixed: over.fixed ?? 0, cap: over.cap === undefined ? 30_00 : over.cap, budget: over.budget },
  );
}

let n = 0;
const email = () => `acheteur.${++n}@example.org`;
const demo = () => app.payments as DemoProvider;
const deps = () => ({ database: app.database, clock: app.clock, logger: createLogger('silent'), operator: loadOperator({}, false) });
/** A demo-provider event as the webhook applies it on the app's backend. */
const apply = (event: ReturnType<DemoProvider['simulatedEvent']>) => (app.pg ? applyProviderEventPostgres(app.pg, deps(), event) : handleProviderEvent(deps(), event));

async function order(buyerEmail: string, items = [{ amountCents: 50_00, quantity: 1 }]) {
  const res = await fetch(`${app.url}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ campaign: 'seine-estuaire', paymentMethod: 'card', buyer: { type: 'individual', name: 'Acheteur', email: buyerEmail }, items }),
  });
  const body = (await res.json()) as any;
  expect(res.status, JSON.stringify(body)).toBe(201);
  return { ...body.order, token: body.accessToken } as { id: string; totalCents: number; bonusCents?: number; token: string };
}

async function pay(orderId: string) {
  const o = await get<{ checkout_ref: string; total_cents: number }>(`SELECT checkout_ref, total_cents FROM orders WHERE id = @orderId`, { orderId });
  return apply(demo().simulatedEvent(o.checkout_ref, 'paid', o.total_cents));
}
const bonusOf = async (orderId: string) => (await get<{ b: number }>(`SELECT bonus_cents AS b FROM orders WHERE id = @orderId`, { orderId })).b;
const vouchersOf = (orderId: string) =>
  rowsOf<{ code: string; amount: number; bonus: number }>(app, `SELECT v.code, v.amount_cents AS amount, i.bonus FROM vouchers v JOIN order_items i ON i.id = v.order_item_id WHERE v.order_id = @orderId ORDER BY i.bonus, v.amount_cents`, { orderId });

beforeEach(async () => expect(await ledgerBreaches(app)).toEqual([]));

describe('sponsor bonus', () => {
  it('percent: 20 % of the face value, one extra voucher issued at payment, not paid by the buyer', async () => {
    await setBonus({ budget: 1_000_00 });
    const before = await campaign();
    const o = await order(email(), [{ amountCents: 20_00, quantity: 2 }, { amountCents: 12_33, quantity: 1 }]);
    expect(o.totalCents).toBe(52_33);
    expect(o.bonusCents).toBe(10_47); // 20 % of 52,33 € = 10,466 € → 10,47 € (half-up)
    expect((await campaign()).reserved).toBe(before.reserved + 10_47);
    expect(await pay(o.id)).toBe('issued');
    expect((await vouchersOf(o.id)).map((v) => [v.amount, v.bonus])).toEqual([[12_33, 0], [20_00, 0], [20_00, 0], [10_47, 1]]);
    const after = await campaign();
    expect(after).toMatchObject({ reserved: before.reserved, used: before.used + 10_47, sold: before.sold + 52_33 + 10_47 });
    const books = await get<{ r: number }>(`SELECT SUM(amount_cents) AS r FROM journal_lines WHERE account = 'sponsor_bonus_receivable:' || (SELECT id FROM campaigns WHERE slug = 'seine-estuaire')`);
    expect(books.r).toBe(after.used);
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('fixed amount per order, within the cap per buyer summed over orders (email case-insensitive)', async () => {
    await setBonus({ kind: 'fixed', fixed: 8_00, cap: 20_00, budget: 1_000_00 });
    const who = email();
    const a = await order(who);
    const b = await order(who.toUpperCase());
    const c = await order(` ${who} `.trim());
    expect([a.bonusCents, b.bonusCents, c.bonusCents ?? 0]).toEqual([8_00, 8_00, 4_00]);
    const d = await order(who);
    expect(d.bonusCents ?? 0).toBe(0);
    for (const o of [a, b, c, d]) expect(await pay(o.id)).toBe('issued');
    expect(await vouchersOf(d.id)).toHaveLength(1);
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('cap per buyer across two orders (percent)', async () => {
    await setBonus({ budget: 1_000_00, cap: 30_00 });
    const who = email();
    const a = await order(who, [{ amountCents: 100_00, quantity: 1 }]);
    const b = await order(who, [{ amountCents: 100_00, quantity: 1 }]);
    expect([a.bonusCents, b.bonusCents]).toEqual([20_00, 10_00]);
    expect(await pay(a.id)).toBe('issued');
    expect(await pay(b.id)).toBe('issued');
  });

  it('budget exhausted: later orders get 0 and the page says « budget épuisé »', async () => {
    await setBonus({ budget: 25_00, cap: null });
    const page1 = await (await fetch(`${app.url}/campagnes/seine-estuaire`)).text();
    expect(page1).toContain('+20\u00A0% offert par Ville du Havre');
    expect(page1).not.toContain('budget épuisé');
    const a = await order(email(), [{ amountCents: 100_00, quantity: 1 }]);
    const b = await order(email(), [{ amountCents: 50_00, quantity: 1 }]);
    const c = await order(email(), [{ amountCents: 50_00, quantity: 1 }]);
    expect([a.bonusCents, b.bonusCents, c.bonusCents ?? 0]).toEqual([20_00, 5_00, 0]);
    // Reserved but unpaid already counts: the cached page must not promise more.
    const page2 = await (await fetch(`${app.url}/campagnes/seine-estuaire`)).text();
    expect(page2).toContain('budget épuisé');
    const api = (await (await fetch(`${app.url}/api/v1/campaigns/seine-estuaire`)).json()) as any;
    expect(api.campaign.bonus).toMatchObject({ kind: 'percent', rateBps: 2_000, remainingCents: 0, exhausted: true, sponsorName: 'Ville du Havre' });
    for (const o of [a, b, c]) expect(await pay(o.id)).toBe('issued');
  });

  it('concurrent purchases never exceed the budget nor the cap', async () => {
    await setBonus({ budget: 100_00, cap: 15_00 });
    const budgetBefore = await campaign();
    const buyers = [email(), email(), email(), email(), email()];
    const orders = await Promise.all(Array.from({ length: 20 }, (_, i) => order(buyers[i % 5]!, [{ amountCents: 50_00, quantity: 1 }])));
    const total = orders.reduce((s, o) => s + (o.bonusCents ?? 0), 0);
    expect(total).toBe(75_00); // 5 buyers × 15 € cap, under the 100 € budget
    await Promise.all(orders.map(async (o) => expect(await pay(o.id)).toBe('issued')));
    const after = await campaign();
    expect(after.used - budgetBefore.used).toBe(75_00);
    expect(after.reserved + after.used).toBeLessThanOrEqual(after.budget);
    for (const b of buyers) {
      const held = (await get<{ s: number }>(`SELECT SUM(bonus_cents) AS s FROM orders WHERE buyer_email = @b`, { b })).s;
      expect(held).toBe(15_00);
    }
    // And with a budget smaller than the demand.
    await setBonus({ budget: 33_00, cap: null });
    const more = await Promise.all(Array.from({ length: 20 }, () => order(email(), [{ amountCents: 10_00, quantity: 1 }])));
    expect(more.reduce((s, o) => s + (o.bonusCents ?? 0), 0)).toBe(33_00);
    for (const o of more) await pay(o.id);
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('a cancelled or abandoned order releases its reservation; a late payment takes what is left', async () => {
    await setBonus({ budget: 40_00, cap: null });
    const a = await order(email(), [{ amountCents: 100_00, quantity: 1 }]);
    const b = await order(email(), [{ amountCents: 100_00, quantity: 1 }]);
    expect([a.bonusCents, b.bonusCents]).toEqual([20_00, 20_00]);
    const failed = await get<{ checkout_ref: string; total_cents: number }>(`SELECT checkout_ref, total_cents FROM orders WHERE id = @id`, { id: a.id });
    expect(await apply(demo().simulatedEvent(failed.checkout_ref, 'failed', failed.total_cents))).toBe('cancelled');
    expect((await campaign()).reserved).toBe(20_00);
    // Abandoned: a demo checkout left open for more than a day.
    await sql(`UPDATE orders SET created_at = @at WHERE id = @id`, { at: new Date(Date.now() - 25 * 3600_000).toISOString(), id: b.id });
    expect(await (app.pg ? cancelAbandonedOrdersOnPostgres(app.pg, new Date()) : cancelAbandonedOrders(app.database, new Date()))).toBeGreaterThanOrEqual(1);
    expect((await campaign()).reserved).toBe(0);
    expect(await ledgerBreaches(app)).toEqual([]);
    // Someone takes 30 € of the budget, then the cancelled order is paid anyway (money taken).
    const c = await order(email(), [{ amountCents: 150_00, quantity: 1 }]);
    expect(c.bonusCents).toBe(30_00);
    expect(await pay(a.id)).toBe('issued');
    expect(await bonusOf(a.id)).toBe(10_00);
    expect((await vouchersOf(a.id)).map((v) => v.amount)).toEqual([100_00, 10_00]);
    expect(await pay(c.id)).toBe('issued');
    expect(await campaign()).toMatchObject({ reserved: 0, used: (await campaign()).budget });
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('the bonus voucher is spendable at the till and the order page shows it', async () => {
    await setBonus({ budget: 1_000_00 });
    const o = await order(email(), [{ amountCents: 50_00, quantity: 1 }]);
    await pay(o.id);
    const bonus = (await vouchersOf(o.id)).find((v) => v.bonus === 1)!;
    expect(bonus.amount).toBe(10_00);
    const key = await shopKeyOn(app, 'librairie-la-galerne');
    const res = await fetch(`${app.url}/api/v1/redemptions`, {
      method: 'POST',
      headers: { ...key.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ code: bonus.code, amountCents: 10_00, idempotencyKey: `bonus-${o.id}` }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const page = await (await fetch(`${app.url}/commandes/${o.id}?token=${o.token}`)).text();
    expect(page).toMatch(/Offert par Ville du Havre\u00A0: 10,00\s€ en plus/u);
    expect(await ledgerBreaches(app)).toEqual([]);
  });

  it('the demo campaign noel-fecamp advertises the town’s 20 % up to 30 €', async () => {
    const html = await (await fetch(`${app.url}/campagnes/noel-fecamp`)).text();
    expect(html).toContain('+20\u00A0% offert par Ville de Fécamp');
    expect(html).toMatch(/jusqu’à 30\s€ par acheteur/u);
    expect(html).toMatch(/Budget restant\u00A0: 2\s000,00\s€/u);
    const form = await (await fetch(`${app.url}/campagnes/noel-fecamp/commander`)).text();
    expect(form).toContain('+20\u00A0% offert par Ville de Fécamp');
  });
});
