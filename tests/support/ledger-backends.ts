/**
 * Every money path of the ledger and settlement properties (tests/unit/ledger-property.test.ts,
 * settlement-property.test.ts) on either backend, behind one small interface, so each
 * property's commands and invariants are written once. The SQLite side makes exactly the calls the properties always made (the synchronous
 * services on the file); the PostgreSQL side the paths the app takes there: orders through
 * createOrder + the provider's event (buyVouchersOn), the PostgreSQL till, refunds, support
 * actions and expiry with `pg`, settlement on pgSettlementUnits, check-ledger's read programs
 * in a REPEATABLE READ snapshot. Both start from the same demo data (the PostgreSQL database
 * is a copy-database copy of the SQLite one, tests/support/postgres.ts).
 */
import type { Database_ } from '../../db/client';
import { openPostgresPool, type PgDatabase } from '../../db/postgres-pool';
import { checkLedger, type Breach } from '../../server/domain/ledger/check-ledger';
import { refundUnusedVouchers, type RefundInput } from '../../server/domain/orders/refunds-service';
import { redeem, voidRedemption, type RedeemInput, type VoidInput } from '../../server/domain/redemptions/redemptions-service';
import { postgresTill } from '../../server/domain/redemptions/till-postgres';
import { markSepaExecuted, markSepaExecutedSteps } from '../../server/domain/settlements/payouts';
import { runSettlement } from '../../server/domain/settlements/run-settlement';
import { pgSettlementUnits } from '../../server/domain/settlements/settlement-store-pg';
import { expireVouchers } from '../../server/domain/vouchers/expiry-service';
import {
  adjustVoucher, adjustVoucherOn, blockVoucher, blockVoucherOn, reissueVoucher, reissueVoucherOn, unblockVoucher, unblockVoucherOn,
} from '../../server/domain/vouchers/support-service';
import type { fixedClock } from '../../server/lib/clock';
import { createLogger } from '../../server/lib/logger';
import { notOnPostgres } from '../../server/lib/not-on-postgres';
import { parisDate } from '../../server/lib/paris-time';
import { loadOperator } from '../../server/operator';
import { DemoProvider } from '../../server/payments/demo-provider';
import type { SqlValue } from '../../db/read-program';
import { rowOf, rowsOf } from './backend-query';
import { buyVouchers, buyVouchersOn, type BuiltVoucher } from './builders';
import { ledgerBreaches } from './ledger-check';
import { copiedToNewDatabase, type PgCluster } from './postgres';

export type Backend = 'sqlite' | 'postgres';
const VOID_WINDOW = 30;
type FixedClock = ReturnType<typeof fixedClock>;
type BlockInput = Parameters<typeof blockVoucherOn>[1];
type UnblockInput = Parameters<typeof unblockVoucherOn>[1];
type ReissueInput = Parameters<typeof reissueVoucherOn>[1];
type AdjustInput = Parameters<typeof adjustVoucherOn>[1];

export interface LedgerBackend {
  buy(opts: { amountCents: number; quantity: number; campaign: string }): Promise<BuiltVoucher[]>;
  redeem(input: RedeemInput): Promise<{ redemption: { id: string } }>;
  voidRedemption(input: VoidInput): Promise<unknown>;
  refund(input: RefundInput): Promise<unknown>;
  block(input: BlockInput): Promise<unknown>;
  unblock(input: UnblockInput): Promise<unknown>;
  reissue(input: ReissueInput): Promise<{ reissued: { id: string } }>;
  adjust(input: AdjustInput): Promise<unknown>;
  expire(): Promise<unknown>;
  settle(actor: string): Promise<unknown>;
  /** The bank executed batch `batchId`'s SEPA file (payouts.ts). */
  executed(batchId: string, actor: string): Promise<unknown>;
  /** check-ledger's breaches (empty: the books are clean). */
  books(): Promise<Breach[]>;
  /** One value of portable SQL (`@name` parameters, the value aliased `n`); null when no row or NULL. */
  value<T = number>(sql: string, params?: Record<string, SqlValue>): Promise<T | null>;
  /** Every row's `n` (portable SQL, as `value`). */
  column<T = string>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

const refundProvider = () => ({ payments: new DemoProvider('http://127.0.0.1'), logger: createLogger('silent') });
const settleDeps = (clock: FixedClock, dataDir: string) => ({ clock, voidWindowMinutes: VOID_WINDOW, operator: loadOperator({}, false), dataDir, transfers: null });

/** The calls ledger-property always made, on the SQLite file `db` (closed by the caller). */
export function sqliteLedger(db: Database_, clock: FixedClock, dataDir: string): LedgerBackend {
  const deps = () => ({ database: db, clock, voidWindowMinutes: VOID_WINDOW });
  return {
    buy: (o) => buyVouchers({ database: db, clock }, o),
    redeem: (input) => redeem(deps(), input),
    voidRedemption: async (input) => voidRedemption(deps(), input),
    refund: (input) => refundUnusedVouchers({ database: db, clock, ...refundProvider() }, input),
    block: async (input) => blockVoucher(deps(), input),
    unblock: async (input) => unblockVoucher(deps(), input),
    reissue: async (input) => reissueVoucher(deps(), input),
    adjust: async (input) => adjustVoucher(deps(), input),
    expire: () => expireVouchers({ database: db, clock }),
    settle: (actor) => runSettlement({ database: db, ...settleDeps(clock, dataDir) }, { until: parisDate(clock.now()), actor }),
    executed: async (batchId, actor) => markSepaExecuted({ database: db, clock }, batchId, actor),
    books: async () => checkLedger(db),
    value: async (sql, params = {}) => {
      const stmt = db.sqlite.prepare(sql);
      return (((Object.keys(params).length ? stmt.get(params) : stmt.get()) as { n?: unknown } | undefined)?.n ?? null) as never;
    },
    column: async (sql) => (db.sqlite.prepare(sql).all() as { n: never }[]).map((r) => r.n),
    close: async () => {},
  };
}

/**
 * The same paths on a new database of `cluster` holding a copy of `db` (which may then be
 * closed). `database` is notOnPostgres(): a path that still reached SQLite would fail with
 * NOT_ON_POSTGRES_YET, which the property treats as a failure, not as a refusal.
 */
export async function postgresLedger(db: Database_, cluster: PgCluster, clock: FixedClock, dataDir: string): Promise<LedgerBackend> {
  const { url, client } = await copiedToNewDatabase(cluster, db.sqlite, `ledger_prop_${Date.now()}_${Math.floor(Math.random() * 1e6)}`);
  await client.end();
  const pg: PgDatabase = openPostgresPool(url);
  const on = { database: notOnPostgres(), pg };
  const till = postgresTill(pg, { clock, voidWindowMinutes: VOID_WINDOW });
  return {
    buy: (o) => buyVouchersOn({ ...on, clock }, o),
    redeem: (input) => till.redeem(input),
    voidRedemption: (input) => till.voidRedemption(input),
    refund: (input) => refundUnusedVouchers({ pg, clock, ...refundProvider() }, input),
    block: async (input) => blockVoucherOn({ pg, clock }, input),
    unblock: async (input) => unblockVoucherOn({ pg, clock }, input),
    reissue: async (input) => reissueVoucherOn({ pg, clock }, input),
    adjust: async (input) => adjustVoucherOn({ pg, clock }, input),
    expire: () => expireVouchers({ postgres: pg, clock }),
    settle: (actor) => runSettlement({ units: pgSettlementUnits(pg), ...settleDeps(clock, dataDir) }, { until: parisDate(clock.now()), actor }),
    executed: (batchId, actor) => {
      const units = pgSettlementUnits(pg);
      return units.run(markSepaExecutedSteps(units, clock, batchId, actor));
    },
    books: () => ledgerBreaches(on),
    value: async (sql, params = {}) => ((await rowOf<{ n: unknown }>(on, sql, params))?.n ?? null) as never,
    column: async (sql) => (await rowsOf<{ n: never }>(on, sql)).map((r) => r.n),
    close: () => pg.close(),
  };
}
