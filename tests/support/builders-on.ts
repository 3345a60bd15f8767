/**
 * builders.ts on whichever backend the test app runs: the same real services, called after
 * the app started (SQLite: the builders themselves; PostgreSQL: the ported units — order
 * creation, `applyProviderEventPostgres`, `postgresTill`, the API-key store). Data built
 * before start (`prepare`) may keep using builders.ts: it is copied over.
 */
import { createApiKeySteps } from '../../server/domain/merchants/api-keys-service';
import { sqliteApiKeyAdminStore } from '../../server/domain/merchants/api-key-admin-store';
import { pgApiKeyAdminStore } from '../../server/domain/merchants/api-key-admin-store-pg';
import { createOrder } from '../../server/domain/orders/orders-service';
import { applyProviderEventPostgres } from '../../server/domain/orders/payment-events-postgres';
import { postgresTill } from '../../server/domain/redemptions/till-postgres';
import { voidRedemption, type RedemptionResult, type VoidInput } from '../../server/domain/redemptions/redemptions-service';
import { handleProviderEvent, type EventOutcome } from '../../server/domain/orders/payment-events-service';
import type { ConfirmDeps } from '../../server/domain/orders/payment-confirmation';
import { runSettlement, type RunResult } from '../../server/domain/settlements/run-settlement';
import { applyTransferEventOn, type TransferGateway } from '../../server/domain/settlements/payouts';
import { sqliteSettlementUnits } from '../../server/domain/settlements/settlement-store-sqlite';
import { pgSettlementUnits } from '../../server/domain/settlements/settlement-store-pg';
import { expireVouchers, type ExpireOptions, type ExpiryResult } from '../../server/domain/vouchers/expiry-service';
import type { ProviderEvent } from '../../server/payments/payment-provider';
import { formatCode } from '../../server/lib/codes';
import { createLogger } from '../../server/lib/logger';
import { loadOperator } from '../../server/operator';
import { DemoProvider } from '../../server/payments/demo-provider';
import { storeUnits } from '../../server/web/backend-units';
import { rowOf, rowsOf } from './backend-query';
import { adminKey, buyVouchers, type BuiltKey, type BuiltVoucher } from './builders';
import { take } from './settlement';
import type { TestApp } from './test-app';

type On = Pick<TestApp, 'database' | 'pg' | 'clock'>;
const silent = createLogger('silent');

/** The shop's id by its slug. */
export async function shopIdOf(t: Pick<TestApp, 'database' | 'pg'>, slug: string): Promise<string> {
  const row = await rowOf<{ id: string }>(t, 'SELECT id FROM merchants WHERE slug = @slug', { slug });
  if (!row) throw new Error(`no shop ${slug}`);
  return row.id;
}

/** An operator (admin) API key, made by the key store of the app's backend. */
export async function adminKeyOn(t: On, label = 'test admin'): Promise<BuiltKey> {
  if (!t.pg) return adminKey(t, label);
  const { key, apiKey } = await storeUnits(t, sqliteApiKeyAdminStore, pgApiKeyAdminStore)((s) => createApiKeySteps(s, t.clock.now(), { kind: 'admin', label }));
  return { key, id: apiKey.id, merchantId: null, headers: { authorization: `Bearer ${key}` } };
}

let seq = 0;
/** One redemption through the till of the app's backend (settlement.ts `take` on SQLite), as shop `merchantId`. */
export function takeOn(t: On & Pick<TestApp, 'config'>, merchantId: string, code: string, amountCents: number): Promise<RedemptionResult> {
  if (!t.pg) return take(t, merchantId, code, amountCents);
  return postgresTill(t.pg, { clock: t.clock, voidWindowMinutes: t.config.voidWindowMinutes }).redeem({
    merchantId, actor: 'test', code, amountCents, idempotencyKey: `take-on-${++seq}-${Date.now()}`,
  });
}

/**
 * builders.ts `buyVouchers` on the app's backend: paid card orders of an individual buyer
 * (split as the campaign's per-order limits require), paid by a simulated demo-provider event.
 */
export async function buyVouchersOn(t: On, opts: { amountCents: number; quantity?: number; campaign?: string; relabelAs?: 'company' | 'municipality' }): Promise<BuiltVoucher[]> {
  if (!t.pg) return buyVouchers(t, opts);
  const pg = t.pg;
  const slug = opts.campaign ?? 'seine-estuaire';
  const campaign = await rowOf<{ per_order: number; max_cents: number }>(t, 'SELECT max_vouchers_per_order AS per_order, max_order_cents_individual AS max_cents FROM campaigns WHERE slug = @slug', { slug });
  if (!campaign) throw new Error(`no campaign ${slug}`);
  const baseUrl = 'http://127.0.0.1';
  const payments = new DemoProvider(baseUrl);
  const deps = { database: t.database, pg, clock: t.clock, payments, baseUrl, logger: silent, operator: loadOperator({}, false) };
  const perOrder = Math.max(1, Math.min(campaign.per_order, Math.floor(campaign.max_cents / opts.amountCents)));
  const out: BuiltVoucher[] = [];
  for (let left = opts.quantity ?? 1; left > 0; left -= perOrder) {
    const quantity = Math.min(left, perOrder);
    const created = await createOrder(deps, {
      campaignSlug: slug,
      buyer: { type: 'individual', name: 'Test Buyer', email: 'buyer@example.org' },
      items: [{ amountCents: opts.amountCents, quantity }],
      paymentMethod: 'card',
      locale: 'fr',
    });
    if (opts.relabelAs) await rowsOf(t, 'UPDATE orders SET buyer_type = @type WHERE id = @id', { type: opts.relabelAs, id: created.order.id });
    const outcome = await applyProviderEventPostgres(pg, deps, payments.simulatedEvent(created.order.checkoutRef!, 'paid', created.order.totalCents));
    // The sponsor's bonus voucher (campaigns with a bonus) is not what was bought: left out. Issue date then code, as listOrderVouchers.
    const vouchers = await rowsOf<{ id: string; code: string; amount_cents: number; expires_at: string; order_id: string; campaign_id: string }>(
      t,
      `SELECT v.id, v.code, v.amount_cents, v.expires_at, v.order_id, v.campaign_id FROM vouchers v JOIN order_items i ON i.id = v.order_item_id
        WHERE v.order_id = @orderId AND i.bonus = 0 ORDER BY v.issued_at, v.code`,
      { orderId: created.order.id },
    );
    if (vouchers.length !== quantity) throw new Error(`order ${created.order.reference} not issued (${outcome}): ${vouchers.length}/${quantity} vouchers`);
    out.push(...vouchers.map((v) => ({ id: v.id, code: v.code, formatted: formatCode(v.code), amountCents: v.amount_cents, expiresAt: v.expires_at, orderId: v.order_id, campaignId: v.campaign_id })));
  }
  return out;
}

/** Undoes a redemption through the till of the app's backend. */
export async function voidOn(t: On & Pick<TestApp, 'config'>, input: VoidInput): Promise<RedemptionResult> {
  if (!t.pg) return voidRedemption({ database: t.database, clock: t.clock, voidWindowMinutes: t.config.voidWindowMinutes }, input);
  return postgresTill(t.pg, { clock: t.clock, voidWindowMinutes: t.config.voidWindowMinutes }).voidRedemption(input);
}

/** One payment provider event, applied as the webhook of the app's backend applies it (without the later slices of a large order). */
export async function providerEventOn(t: Pick<TestApp, 'database' | 'pg'>, deps: ConfirmDeps, event: ProviderEvent): Promise<EventOutcome> {
  if (!t.pg) return handleProviderEvent({ ...deps, database: t.database, operator: deps.operator! }, event);
  return applyProviderEventPostgres(t.pg, deps, event);
}

/** The settlement units of the app's backend (what `cli settle` and the operator's page run). */
const settlementUnitsOf = (t: Pick<TestApp, 'database' | 'pg'>) => (t.pg ? pgSettlementUnits(t.pg) : sqliteSettlementUnits(t.database));

/** settlement.ts `settle` on the app's backend: every completed redemption up to `until` (a Paris day). */
export function settleOn(t: On & Pick<TestApp, 'config' | 'dataDir'>, until: string, transfers: TransferGateway | null = null): Promise<RunResult> {
  return runSettlement(
    { units: settlementUnitsOf(t), clock: t.clock, voidWindowMinutes: t.config.voidWindowMinutes, operator: t.config.operator, dataDir: t.dataDir, transfers },
    { until, actor: 'test' },
  );
}

/** A Stripe transfer event (paid, reversed…) applied on the app's backend. */
export function transferEventOn(t: On, e: Parameters<typeof applyTransferEventOn>[1]): Promise<'applied' | 'ignored'> {
  return applyTransferEventOn({ units: settlementUnitsOf(t), clock: t.clock }, e);
}

/** The expiry run on the app's backend (the daily job's path). */
export function expireOn(t: On, opts: ExpireOptions = {}): Promise<ExpiryResult> {
  return expireVouchers(t.pg ? { postgres: t.pg, clock: t.clock } : { database: t.database, clock: t.clock }, opts);
}
