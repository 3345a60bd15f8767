import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database_ } from '../../db/client';
import type { PgDatabase } from '../../db/postgres-pool';
import { redeem, voidRedemption, type VoidInput } from '../../server/domain/redemptions/redemptions-service';
import { postgresTill } from '../../server/domain/redemptions/till-postgres';
import { runSettlement, type RunCore, type RunDeps } from '../../server/domain/settlements/run-settlement';
import { pgSettlementUnits } from '../../server/domain/settlements/settlement-store-pg';
import { rowOf } from './backend-query';
import { markSepaExecutedSteps, type TransferGateway } from '../../server/domain/settlements/payouts';
import { sqliteSettlementUnits } from '../../server/domain/settlements/settlement-store-sqlite';
import type { TestApp } from './test-app';

/** The ISO 20022 pain.001.001.03 XSD, copied into tests/fixtures so CI (which clones only this repository) has it. */
export const SEPA_XSD = join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/iso20022/pain.001.001.03.xsd');
/**
 * Whether xmllint runs here. Without it the SEPA schema checks are skipped with a notice
 * locally; REQUIRE_XMLLINT=1 (set by .ci/run, which installs libxml2-utils) or CI makes
 * its absence a failure, so they never skip silently where it matters.
 */
export const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
if (!hasXmllint && (process.env.CI || process.env.REQUIRE_XMLLINT === '1')) throw new Error('REQUIRE_XMLLINT=1: install libxml2-utils (xmllint) to validate SEPA files');
if (!hasXmllint) console.warn('xmllint not found (apt install libxml2-utils): SEPA files are not schema-validated in this run; REQUIRE_XMLLINT=1 makes this a failure');

/** xmllint --schema over all the files at once; throws with its messages when one is invalid. */
export function validateSepa(...paths: string[]): void {
  try {
    execFileSync('xmllint', ['--noout', '--schema', SEPA_XSD, ...paths], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`XSD validation failed:\n${(e as { stderr?: Buffer }).stderr?.toString() ?? String(e)}`);
  }
}

export function settlementDeps(app: TestApp, transfers: TransferGateway | null = null): RunDeps {
  return { database: app.database, clock: app.clock, voidWindowMinutes: app.config.voidWindowMinutes, operator: app.config.operator, dataDir: app.dataDir, transfers };
}

/** settlementDeps on the app's backend: on PostgreSQL the settlement units `cli settle` and the operator's page use there. */
export function settlementCore(app: TestApp, transfers: TransferGateway | null = null): RunDeps | RunCore {
  if (!app.pg) return settlementDeps(app, transfers);
  return { units: pgSettlementUnits(app.pg), clock: app.clock, voidWindowMinutes: app.config.voidWindowMinutes, operator: app.config.operator, dataDir: app.dataDir, transfers };
}

export const settle = (app: TestApp, until: string, transfers: TransferGateway | null = null) => runSettlement(settlementCore(app, transfers), { until, actor: 'test' });

let seq = 0;
/** One redemption through the domain service (the till's path, on the app's backend), as shop `merchantId`. */
export function take(app: Pick<TestApp, 'database' | 'clock' | 'config'> & { pg?: PgDatabase | null }, merchantId: string, code: string, amountCents: number) {
  const input = { merchantId, actor: 'test', code, amountCents, idempotencyKey: `settle-test-${++seq}-${Date.now()}` };
  const deps = { clock: app.clock, voidWindowMinutes: app.config.voidWindowMinutes };
  return app.pg ? postgresTill(app.pg, deps).redeem(input) : redeem({ database: app.database, ...deps }, input);
}

export const merchantId = (database: Database_, slug: string) => (database.sqlite.prepare(`SELECT id FROM merchants WHERE slug = ?`).get(slug) as { id: string }).id;

/** merchantId on the app's backend (after start). */
export async function merchantIdOn(app: Pick<TestApp, 'database' | 'pg'>, slug: string): Promise<string> {
  const row = await rowOf<{ id: string }>(app, 'SELECT id FROM merchants WHERE slug = @slug', { slug });
  if (!row) throw new Error(`no shop ${slug}`);
  return row.id;
}

/** A void through the till of the app's backend (async: a refusal is a rejection on both). */
export async function voidOn(app: Pick<TestApp, 'database' | 'clock' | 'config'> & { pg?: PgDatabase | null }, input: VoidInput) {
  const deps = { clock: app.clock, voidWindowMinutes: app.config.voidWindowMinutes };
  return app.pg ? postgresTill(app.pg, deps).voidRedemption(input) : voidRedemption({ database: app.database, ...deps }, input);
}

/** The bank executed the batch's SEPA file (payouts.ts `markSepaExecutedSteps`), on the app's backend. */
export function markSepaExecutedOn(app: Pick<TestApp, 'database' | 'pg' | 'clock'>, batchId: string, actor: string) {
  const units = app.pg ? pgSettlementUnits(app.pg) : sqliteSettlementUnits(app.database);
  return units.run(markSepaExecutedSteps(units, app.clock, batchId, actor));
}
