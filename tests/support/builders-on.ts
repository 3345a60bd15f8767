/**
 * builders.ts's helpers on the test app's backend, for tests that make data after the app
 * started (on PostgreSQL `t.database` refuses): the same real services — order creation, a
 * demo-provider payment event as the webhook applies it, API keys through their store — run
 * by SQLite's transaction or PostgreSQL's unit of work. The synchronous originals stay for
 * data built before start (then copied over).
 */
import type { Database_ } from '../../db/client';
import type { PgDatabase } from '../../db/postgres-pool';
import { createApiKeySteps } from '../../server/domain/merchants/api-keys-service';
import { sqliteApiKeyAdminStore } from '../../server/domain/merchants/api-key-admin-store';
import { pgApiKeyAdminStore } from '../../server/domain/merchants/api-key-admin-store-pg';
import { createOrder } from '../../server/domain/orders/orders-service';
import { handleProviderEvent } from '../../server/domain/orders/payment-events-service';
import { applyProviderEventPostgres } from '../../server/domain/orders/payment-events-postgres';
import type { Clock } from '../../server/lib/clock';
import { formatCode } from '../../server/lib/codes';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { DemoProvider } from '../../server/payments/demo-provider';
import { storeUnits } from '../../server/web/backend-units';
import { rowOf, rowsOf } from './backend-query';
import type { BuiltKey, BuiltVoucher } from './builders';

export interface OnDeps {
  database: Database_;
  pg?: PgDatabase | null;
  clock: Clock;
}

const on = (deps: Pick<OnDeps, 'database' | 'pg'>) => ({ database: deps.database, pg: deps.pg ?? null });

/** builders.ts `buyVouchers` on the app's backend: paid card orders, split as the campaign's per-order limits require. */
export async function buyVouchersOn(deps: OnDeps, opts: { amountCents: number; quantity?: number; campaign?: string }): Promise<BuiltVoucher[]> {
  const slug = opts.campaign ?? 'seine-estuaire';
  const campaign = await rowOf<{ perorder: number; maxcents: number }>(on(deps),
    'SELECT max_vouchers_per_order AS perorder, max_order_cents_individual AS maxcents FROM campaigns WHERE slug = @slug', { slug });
  if (!campaign) throw new Error(`no campaign ${slug}`);
  const baseUrl = 'http://127.0.0.1';
  const payments = new DemoProvider(baseUrl);
  const orderDeps = { ...on(deps), clock: deps.clock, payments, baseUrl, logger: createLogger('silent'), operator: loadOperator({}, false) };
  const perOrder = Math.max(1, Math.min(campaign.perorder, Math.floor(campaign.maxcents / opts.amountCents)));
  const out: BuiltVoucher[] = [];
  for (let left = opts.quantity ?? 1; left > 0; left -= perOrder) {
    const quantity = Math.min(left, perOrder);
    const created = await createOrder(orderDeps, {
      campaignSlug: slug,
      buyer: { type: 'individual', name: 'Test Buyer', email: 'buyer@example.org' },
      items: [{ amountCents: opts.amountCents, quantity }],
      paymentMethod: 'card',
      locale: 'fr',
    });
    const event = payments.simulatedEvent(created.order.checkoutRef!, 'paid', created.order.totalCents);
    const outcome = orderDeps.pg ? await applyProviderEventPostgres(orderDeps.pg, orderDeps, event) : handleProviderEvent(orderDeps, event);
    // The sponsor's bonus voucher (campaigns with a bonus) is not what was bought: left out.
    const vouchers = await rowsOf<{ id: string; code: string; amountcents: number; expiresat: string; orderid: string; campaignid: string }>(on(deps),
      `SELECT v.id, v.code, v.amount_cents AS amountcents, v.expires_at AS expiresat, v.order_id AS orderid, v.campaign_id AS campaignid
         FROM vouchers v JOIN order_items i ON i.id = v.order_item_id
        WHERE v.order_id = @o AND i.bonus = 0 ORDER BY v.issued_at, v.code`, { o: created.order.id });
    if (vouchers.length !== quantity) throw new Error(`order ${created.order.reference} not issued (${outcome}): ${vouchers.length}/${quantity} vouchers`);
    out.push(...vouchers.map((v) => ({
      id: v.id, code: v.code, formatted: formatCode(v.code), amountCents: v.amountcents, expiresAt: v.expiresat, orderId: v.orderid, campaignId: v.campaignid,
    })));
  }
  return out;
}

/** One paid voucher on the app's backend (builders.ts `paidVoucher`). */
export async function paidVoucherOn(deps: OnDeps, amountCents: number, campaign = 'seine-estuaire'): Promise<BuiltVoucher> {
  return (await buyVouchersOn(deps, { amountCents, campaign }))[0]!;
}

const keyWrites = (deps: OnDeps) => storeUnits(on(deps), sqliteApiKeyAdminStore, pgApiKeyAdminStore);

/** A POS API key for the shop with this slug, on the app's backend (builders.ts `shopKey`). */
export async function shopKeyOn(deps: OnDeps, merchantSlug: string, label = 'test till'): Promise<BuiltKey & { merchantId: string }> {
  const merchant = await rowOf<{ id: string }>(on(deps), 'SELECT id FROM merchants WHERE slug = @slug', { slug: merchantSlug });
  if (!merchant) throw new Error(`no shop ${merchantSlug}`);
  const { key, apiKey } = await keyWrites(deps)((store) => createApiKeySteps(store, deps.clock.now(), { kind: 'merchant', merchantId: merchant.id, label }));
  return { key, id: apiKey.id, merchantId: merchant.id, headers: { authorization: `Bearer ${key}` } };
}

/** An operator (admin) API key on the app's backend (builders.ts `adminKey`). */
export async function adminKeyOn(deps: OnDeps, label = 'test admin'): Promise<BuiltKey> {
  const { key, apiKey } = await keyWrites(deps)((store) => createApiKeySteps(store, deps.clock.now(), { kind: 'admin', label }));
  return { key, id: apiKey.id, merchantId: null, headers: { authorization: `Bearer ${key}` } };
}

/** The stored row's balance and status, on the app's backend (builders.ts `voucherState`). */
export async function voucherStateOn(t: Pick<OnDeps, 'database' | 'pg'>, code: string): Promise<{ balanceCents: number; status: string }> {
  const row = await rowOf<{ balancecents: number; status: string }>(on(t),
    'SELECT balance_cents AS balancecents, status FROM vouchers WHERE code = @code', { code: code.replace(/-/g, '').toUpperCase() });
  if (!row) throw new Error(`no voucher ${code}`);
  return { balanceCents: row.balancecents, status: row.status };
}
