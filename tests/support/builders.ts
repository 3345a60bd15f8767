import type { PgDatabase } from '../../db/postgres-pool';
import { postJournalSteps } from '../../server/domain/ledger/journal-store';
import { supportUnits } from '../../server/domain/vouchers/support-service';
import { changeVoucherSteps } from '../../server/domain/vouchers/voucher-ledger';
import { randomBytes } from 'node:crypto';
import { sha256 } from '../../server/lib/ids';
import { loadOperator } from '../../server/operator';
/**
 * Test data made through the real services (orders, payment events, API keys), so what a
 * test redeems is exactly what production would have issued: vouchers with their issue
 * journal, movement and campaign progress. Status changes go through the ledger writer
 * (block, unblock, and a cancellation booked as a refund would book it).
 */
import type { Database_ } from '../../db/client';
import { findCampaignBySlug } from '../../server/domain/campaigns/campaigns-repository';
import { createApiKey, createApiKeySteps } from '../../server/domain/merchants/api-keys-service';
import { sqliteApiKeyAdminStore } from '../../server/domain/merchants/api-key-admin-store';
import { pgApiKeyAdminStore } from '../../server/domain/merchants/api-key-admin-store-pg';
import { storeUnits } from '../../server/web/backend-units';
import { rowOf, rowsOf } from './backend-query';
import { findMerchantBySlug } from '../../server/domain/merchants/merchant-users-repository';
import { createOrder } from '../../server/domain/orders/orders-service';
import { handleProviderEvent } from '../../server/domain/orders/payment-events-service';
import { applyProviderEventPostgres } from '../../server/domain/orders/payment-events-postgres';
import { listOrderItems } from '../../server/domain/orders/orders-repository';
import { findVoucherByCode, listOrderVouchers } from '../../server/domain/vouchers/vouchers-repository';
import { changeVoucher } from '../../server/domain/vouchers/voucher-ledger';
import { Accounts } from '../../server/domain/ledger/accounts';
import { postJournal } from '../../server/domain/ledger/ledger-repository';
import type { Voucher } from '../../server/domain/vouchers/voucher';
import type { Clock } from '../../server/lib/clock';
import { formatCode } from '../../server/lib/codes';
import { createLogger } from '../../server/lib/logger';
import { DemoProvider } from '../../server/payments/demo-provider';

export interface BuilderDeps {
  database: Database_;
  clock: Clock;
  /** Only used in the order's links; any origin will do. */
  baseUrl?: string;
}

export interface BuiltVoucher {
  id: string;
  /** Normalised code (no dashes), as stored. */
  code: string;
  /** XXXX-XXXX-XXXX-XXXX-XXXX, as printed. */
  formatted: string;
  amountCents: number;
  expiresAt: string;
  orderId: string;
  campaignId: string;
}

const silent = createLogger('silent');

const built = (v: Voucher): BuiltVoucher => ({
  id: v.id,
  code: v.code,
  formatted: formatCode(v.code),
  amountCents: v.amountCents,
  expiresAt: v.expiresAt,
  orderId: v.orderId,
  campaignId: v.campaignId,
});

/**
 * `quantity` paid vouchers of `amountCents` in `campaign`: orders by an individual buyer,
 * paid by a simulated demo-provider event (split into several orders when the campaign's
 * per-order limits require it).
 */
/**
 * Paid card orders of `quantity` vouchers. `relabelAs`: the order's buyer type is rewritten
 * between creation and payment (a company's order without its organisation form), so the
 * issuing path sees it as such.
 */
export async function buyVouchers(deps: BuilderDeps, opts: { amountCents: number; quantity?: number; campaign?: string; relabelAs?: 'company' | 'municipality' }): Promise<BuiltVoucher[]> {
  const slug = opts.campaign ?? 'seine-estuaire';
  const campaign = findCampaignBySlug(deps.database.db, slug);
  if (!campaign) throw new Error(`no campaign ${slug}`);
  const baseUrl = deps.baseUrl ?? 'http://127.0.0.1';
  const payments = new DemoProvider(baseUrl);
  const orderDeps = { database: deps.database, clock: deps.clock, payments, baseUrl, logger: silent, operator: loadOperator({}, false) };
  const perOrder = Math.max(1, Math.min(campaign.maxVouchersPerOrder, Math.floor(campaign.maxOrderCentsIndividual / opts.amountCents)));
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
    if (opts.relabelAs) deps.database.sqlite.prepare(`UPDATE orders SET buyer_type = ? WHERE id = ?`).run(opts.relabelAs, created.order.id);
    const outcome = handleProviderEvent(orderDeps, payments.simulatedEvent(created.order.checkoutRef!, 'paid', created.order.totalCents));
    // The sponsor's bonus voucher (campaigns with a bonus) is not what was bought: left out.
    const bonusItems = new Set(listOrderItems(deps.database.db, created.order.id).filter((i) => i.bonus).map((i) => i.id));
    const vouchers = listOrderVouchers(deps.database.db, created.order.id).filter((v) => !bonusItems.has(v.orderItemId));
    if (vouchers.length !== quantity) throw new Error(`order ${created.order.reference} not issued (${outcome}): ${vouchers.length}/${quantity} vouchers`);
    out.push(...vouchers.map(built));
  }
  return out;
}

/** One paid voucher of `amountCents` in `campaign` (default seine-estuaire). */
export async function paidVoucher(deps: BuilderDeps, amountCents: number, campaign = 'seine-estuaire'): Promise<BuiltVoucher> {
  return (await buyVouchers(deps, { amountCents, campaign }))[0]!;
}

/**
 * buyVouchers on the test app's backend, for data made after start: on SQLite buyVouchers
 * itself; on PostgreSQL the same services (createOrder, then the demo provider's paid event
 * through the webhook's PostgreSQL path) on the app's pool.
 */
export async function buyVouchersOn(on: BuilderDeps & { pg?: PgDatabase | null }, opts: { amountCents: number; quantity?: number; campaign?: string; relabelAs?: 'company' | 'municipality' }): Promise<BuiltVoucher[]> {
  const pg = on.pg;
  if (!pg) return buyVouchers(on, opts);
  const t = { database: on.database, pg };
  const slug = opts.campaign ?? 'seine-estuaire';
  const campaign = await rowOf<{ perorder: number; maxcents: number }>(t, 'SELECT max_vouchers_per_order AS perorder, max_order_cents_individual AS maxcents FROM campaigns WHERE slug = @slug', { slug });
  if (!campaign) throw new Error(`no campaign ${slug}`);
  const baseUrl = on.baseUrl ?? 'http://127.0.0.1';
  const payments = new DemoProvider(baseUrl);
  const orderDeps = { database: on.database, pg, clock: on.clock, payments, baseUrl, logger: silent, operator: loadOperator({}, false) };
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
    if (opts.relabelAs) await rowsOf(t, 'UPDATE orders SET buyer_type = @type WHERE id = @id', { type: opts.relabelAs, id: created.order.id });
    const outcome = await applyProviderEventPostgres(pg, orderDeps, payments.simulatedEvent(created.order.checkoutRef!, 'paid', created.order.totalCents));
    // As buyVouchers: the sponsor's bonus voucher is left out; issue order, then code.
    const vouchers = await rowsOf<{ id: string; code: string; amountcents: number; expiresat: string; orderid: string; campaignid: string }>(
      t,
      `SELECT v.id, v.code, v.amount_cents AS amountcents, v.expires_at AS expiresat, v.order_id AS orderid, v.campaign_id AS campaignid
         FROM vouchers v JOIN order_items i ON i.id = v.order_item_id
        WHERE v.order_id = @order AND i.bonus = 0 ORDER BY v.issued_at, v.code`,
      { order: created.order.id },
    );
    if (vouchers.length !== quantity) throw new Error(`order ${created.order.reference} not issued (${outcome}): ${vouchers.length}/${quantity} vouchers`);
    out.push(...vouchers.map((v) => ({ id: v.id, code: v.code, formatted: formatCode(v.code), amountCents: v.amountcents, expiresAt: v.expiresat, orderId: v.orderid, campaignId: v.campaignid })));
  }
  return out;
}

/** paidVoucher on the test app's backend (see buyVouchersOn). */
export async function paidVoucherOn(on: BuilderDeps & { pg?: PgDatabase | null }, amountCents: number, campaign = 'seine-estuaire'): Promise<BuiltVoucher> {
  return (await buyVouchersOn(on, { amountCents, campaign }))[0]!;
}

export interface BuiltKey {
  /** The clear bearer key (shown once in real life). */
  key: string;
  id: string;
  merchantId: string | null;
  /** `{ authorization: 'Bearer …' }` */
  headers: Record<string, string>;
}

/** A POS API key for the shop with this slug. */
export function shopKey(deps: Pick<BuilderDeps, 'database' | 'clock'>, merchantSlug: string, label = 'test till'): BuiltKey & { merchantId: string } {
  const merchant = findMerchantBySlug(deps.database.db, merchantSlug);
  if (!merchant) throw new Error(`no shop ${merchantSlug}`);
  const { key, apiKey } = createApiKey(deps, { kind: 'merchant', merchantId: merchant.id, label });
  return { key, id: apiKey.id, merchantId: merchant.id, headers: { authorization: `Bearer ${key}` } };
}

/** An operator (admin) API key. */
export function adminKey(deps: Pick<BuilderDeps, 'database' | 'clock'>, label = 'test admin'): BuiltKey {
  const { key, apiKey } = createApiKey(deps, { kind: 'admin', label });
  return { key, id: apiKey.id, merchantId: null, headers: { authorization: `Bearer ${key}` } };
}

/**
 * shopKey / adminKey on the test app's backend (after start, where `database` refuses on
 * PostgreSQL): the same key creation (createApiKeySteps) in the backend's unit of work.
 */
export async function shopKeyOn(on: { database: Database_; pg?: PgDatabase | null; clock: Clock }, merchantSlug: string, label = 'test till'): Promise<BuiltKey & { merchantId: string }> {
  const merchant = await rowOf<{ id: string }>({ database: on.database, pg: on.pg ?? null }, 'SELECT id FROM merchants WHERE slug = @slug', { slug: merchantSlug });
  if (!merchant) throw new Error(`no shop ${merchantSlug}`);
  const { key, apiKey } = await keyOn(on, { kind: 'merchant', merchantId: merchant.id, label });
  return { key, id: apiKey.id, merchantId: merchant.id, headers: { authorization: `Bearer ${key}` } };
}

export async function adminKeyOn(on: { database: Database_; pg?: PgDatabase | null; clock: Clock }, label = 'test admin'): Promise<BuiltKey> {
  const { key, apiKey } = await keyOn(on, { kind: 'admin', label });
  return { key, id: apiKey.id, merchantId: null, headers: { authorization: `Bearer ${key}` } };
}

async function keyOn(on: { database: Database_; pg?: PgDatabase | null; clock: Clock }, input: { kind: 'merchant' | 'admin'; merchantId?: string; label: string }) {
  return storeUnits({ database: on.database, pg: on.pg ?? null }, sqliteApiKeyAdminStore, pgApiKeyAdminStore)((s) => createApiKeySteps(s, on.clock.now(), input));
}

/**
 * Moves a voucher to `status` through the ledger writer, dated at its issue (so any test
 * clock will do): blocked / active again (unblock), or cancelled as a refund cancels — what
 * is left goes back to the buyer's card (a `cancel` movement and its journal), balance 0.
 */
export function setVoucherStatus(database: Database_, code: string, status: 'active' | 'blocked' | 'cancelled'): void {
  const v = findVoucherByCode(database.db, code.replace(/-/g, '').toUpperCase());
  if (!v) throw new Error(`no voucher ${code}`);
  const ctx = { actor: 'test', at: new Date(v.issuedAt) };
  database.transaction((tx) => {
    if (status === 'blocked') changeVoucher(tx, v.id, { op: 'block', blockReason: 'test' }, ctx);
    else if (status === 'active') changeVoucher(tx, v.id, { op: 'unblock' }, ctx);
    else {
      const lines = [
        { account: Accounts.voucherLiability, amountCents: v.balanceCents },
        { account: Accounts.paymentsClearing('demo'), amountCents: -v.balanceCents },
      ];
      const journalId = postJournal(tx, { kind: 'order_refund', description: `test cancellation of ${v.code}`, orderId: v.orderId, lines }, ctx.at);
      changeVoucher(tx, v.id, { op: 'refund_cancel' }, { ...ctx, journalId, orderId: v.orderId });
    }
  });
}

/** The stored row's balance and status. */
export function voucherState(database: Database_, code: string): { balanceCents: number; status: string } {
  const row = database.sqlite.prepare('SELECT balance_cents AS balanceCents, status FROM vouchers WHERE code = ?').get(code.replace(/-/g, '').toUpperCase()) as
    | { balanceCents: number; status: string }
    | undefined;
  if (!row) throw new Error(`no voucher ${code}`);
  return row;
}

/** Organisation buyers for POST /api/v1/orders: valid SIRETs (Luhn) and billing addresses. */
export const COMPANY_BUYER = {
  type: 'company',
  name: 'Claire Durand',
  email: 'rh@entreprise-exemple.fr',
  organisation: 'Entreprise Exemple SAS',
  siret: '73282932000074',
  address: { lines: ['12 rue de Paris'], postalCode: '76600', city: 'Le Havre' },
} as const;
export const TOWN_HALL_BUYER = {
  type: 'municipality',
  name: 'Service des affaires sociales',
  email: 'social@mairie-exemple.fr',
  organisation: 'Mairie de Montivilliers',
  siret: '21764470700010',
  address: { lines: ['Place François Mitterrand'], postalCode: '76290', city: 'Montivilliers' },
} as const;

/** POST /api/v1/orders on the demo campaign (by bank transfer unless the body says otherwise). */
export function postOrder(baseUrl: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ campaign: 'seine-estuaire', paymentMethod: 'bank_transfer', ...body }),
  });
}

/**
 * A working page link for this organisation (what its contact receives by mail): a fresh
 * secret whose hash replaces the stored one, as sending a new link does.
 */
export function organisationLink(database: Database_, organisationId: string): string {
  const token = randomBytes(32).toString('base64url');
  const res = database.sqlite.prepare('UPDATE organisations SET access_token_hash = ? WHERE id = ?').run(sha256(token), organisationId);
  if (res.changes !== 1) throw new Error(`no organisation ${organisationId}`);
  return token;
}

/**
 * setVoucherStatus on the test app's backend: the same ledger changes (changeVoucherSteps,
 * postJournalSteps) in the voucher support's unit of work — SQLite's transaction or
 * PostgreSQL's, with the voucher's row locked.
 */
export async function setVoucherStatusOn(on: { database: Database_; pg?: PgDatabase | null }, code: string, status: 'active' | 'blocked' | 'cancelled'): Promise<void> {
  if (!on.pg) return setVoucherStatus(on.database, code, status);
  await supportUnits(on)(function* (s) {
    const v = yield* s.voucherByCode(code.replace(/-/g, '').toUpperCase());
    if (!v) throw new Error(`no voucher ${code}`);
    const ctx = { actor: 'test', at: new Date(v.issuedAt) };
    if (status === 'blocked') return yield* changeVoucherSteps(s, v.id, { op: 'block', blockReason: 'test' }, ctx);
    if (status === 'active') return yield* changeVoucherSteps(s, v.id, { op: 'unblock' }, ctx);
    const lines = [
      { account: Accounts.voucherLiability, amountCents: v.balanceCents },
      { account: Accounts.paymentsClearing('demo'), amountCents: -v.balanceCents },
    ];
    const journalId = yield* postJournalSteps(s, { kind: 'order_refund', description: `test cancellation of ${v.code}`, orderId: v.orderId, lines }, ctx.at);
    return yield* changeVoucherSteps(s, v.id, { op: 'refund_cancel' }, { ...ctx, journalId, orderId: v.orderId });
  });
}
