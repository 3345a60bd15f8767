/**
 * More of the test builders on whichever backend the test app runs, for data made after the
 * app started (on PostgreSQL `t.database` refuses): the same real services as the app's
 * routes and jobs run, on SQLite's transaction or PostgreSQL's units of work. Vouchers and
 * keys: builders.ts `…On`; redemptions, voids and settlement: settlement.ts.
 */
import type { ConfirmDeps } from '../../server/domain/orders/payment-confirmation';
import { applyProviderEventPostgres } from '../../server/domain/orders/payment-events-postgres';
import { handleProviderEvent, type EventOutcome } from '../../server/domain/orders/payment-events-service';
import { applyTransferEventOn } from '../../server/domain/settlements/payouts';
import { pgSettlementUnits } from '../../server/domain/settlements/settlement-store-pg';
import { sqliteSettlementUnits } from '../../server/domain/settlements/settlement-store-sqlite';
import { expireVouchers, type ExpireOptions, type ExpiryResult } from '../../server/domain/vouchers/expiry-service';
import type { ProviderEvent } from '../../server/payments/payment-provider';
import { rowOf } from './backend-query';
import type { TestApp } from './test-app';

type On = Pick<TestApp, 'database' | 'pg' | 'clock'>;

/** One payment provider event, applied as the webhook of the app's backend applies it (without the later slices of a large order). */
export async function providerEventOn(t: Pick<TestApp, 'database' | 'pg'>, deps: ConfirmDeps, event: ProviderEvent): Promise<EventOutcome> {
  if (!t.pg) return handleProviderEvent({ ...deps, database: t.database, operator: deps.operator! }, event);
  return applyProviderEventPostgres(t.pg, deps, event);
}

/** The settlement units of the app's backend (what `cli settle` and the operator's page run). */
const settlementUnitsOf = (t: Pick<TestApp, 'database' | 'pg'>) => (t.pg ? pgSettlementUnits(t.pg) : sqliteSettlementUnits(t.database));

/** A Stripe transfer event (paid, reversed…) applied on the app's backend. */
export function transferEventOn(t: On, e: Parameters<typeof applyTransferEventOn>[1]): Promise<'applied' | 'ignored'> {
  return applyTransferEventOn({ units: settlementUnitsOf(t), clock: t.clock }, e);
}

/** The expiry run on the app's backend (the daily job's path). */
export function expireOn(t: On, opts: ExpireOptions = {}): Promise<ExpiryResult> {
  return expireVouchers(t.pg ? { postgres: t.pg, clock: t.clock } : { database: t.database, clock: t.clock }, opts);
}

/** The stored row's balance and status, on the app's backend (builders.ts `voucherState`). */
export async function voucherStateOn(t: Pick<TestApp, 'database' | 'pg'>, code: string): Promise<{ balanceCents: number; status: string }> {
  const row = await rowOf<{ balancecents: number; status: string }>(t, 'SELECT balance_cents AS balancecents, status FROM vouchers WHERE code = @code', {
    code: code.replace(/-/g, '').toUpperCase(),
  });
  if (!row) throw new Error(`no voucher ${code}`);
  return { balanceCents: row.balancecents, status: row.status };
}
