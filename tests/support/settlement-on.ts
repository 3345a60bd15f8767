/**
 * settlement.ts's `take`, `settle` and `merchantId` on the test app's backend, for tests that
 * redeem or settle after the app started (on PostgreSQL `t.database` refuses): the till's own
 * steps (redemptions-service.ts on SQLite, till-postgres.ts on PostgreSQL) and the settlement
 * run on that backend's units of work, as the app's routes and jobs run them.
 */
import { sqliteTill } from '../../server/domain/redemptions/redemptions-service';
import { postgresTill } from '../../server/domain/redemptions/till-postgres';
import { runSettlement } from '../../server/domain/settlements/run-settlement';
import { markSepaExecutedSteps, type TransferGateway } from '../../server/domain/settlements/payouts';
import { pgSettlementUnits } from '../../server/domain/settlements/settlement-store-pg';
import { sqliteSettlementUnits } from '../../server/domain/settlements/settlement-store-sqlite';
import { rowOf } from './backend-query';
import type { TestApp } from './test-app';

type App = Pick<TestApp, 'database' | 'pg' | 'clock' | 'config'>;

let seq = 0;
/** One redemption through the till's service on the app's backend, as shop `merchantId`. */
export function takeOn(app: App, merchantId: string, code: string, amountCents: number) {
  const deps = { database: app.database, clock: app.clock, voidWindowMinutes: app.config.voidWindowMinutes };
  const till = app.pg ? postgresTill(app.pg, deps) : sqliteTill(deps);
  return till.redeem({ merchantId, actor: 'test', code, amountCents, idempotencyKey: `settle-on-${++seq}-${Date.now()}` });
}

/** A void through the till's service on the app's backend. */
export function voidOn(app: App, merchantId: string, redemptionId: string) {
  const deps = { database: app.database, clock: app.clock, voidWindowMinutes: app.config.voidWindowMinutes };
  const till = app.pg ? postgresTill(app.pg, deps) : sqliteTill(deps);
  return till.voidRedemption({ merchantId, actor: 'test', redemptionId });
}

/** The settlement run (statements, SEPA files) up to `until`, on the app's backend. */
export function settleOn(app: Pick<TestApp, 'database' | 'pg' | 'clock' | 'config' | 'dataDir'>, until: string, transfers: TransferGateway | null = null) {
  const units = app.pg ? pgSettlementUnits(app.pg) : sqliteSettlementUnits(app.database);
  return runSettlement({ units, clock: app.clock, voidWindowMinutes: app.config.voidWindowMinutes, operator: app.config.operator, dataDir: app.dataDir, transfers }, { until, actor: 'test' });
}

/** A shop's id by its slug, on the app's backend. */
export async function merchantIdOn(app: Pick<TestApp, 'database' | 'pg'>, slug: string): Promise<string> {
  const row = await rowOf<{ id: string }>(app, 'SELECT id FROM merchants WHERE slug = @slug', { slug });
  if (!row) throw new Error(`no shop ${slug}`);
  return row.id;
}

/** The bank executed the batch's SEPA file (payouts.ts `markSepaExecutedSteps`), on the app's backend. */
export function markSepaExecutedOn(app: Pick<TestApp, 'database' | 'pg' | 'clock'>, batchId: string, actor: string) {
  const units = app.pg ? pgSettlementUnits(app.pg) : sqliteSettlementUnits(app.database);
  return units.run(markSepaExecutedSteps(units, app.clock, batchId, actor));
}
