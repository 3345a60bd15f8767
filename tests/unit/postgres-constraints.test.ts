/**
 * One table of bad writes, run on both backends against the same data (the seeded SQLite
 * database, copied into PostgreSQL by copy-database): each is refused on SQLite AND on
 * PostgreSQL, by the same CHECK, unique key, foreign key, NOT NULL or trigger. Every write is
 * plain SQL both dialects accept, rolled back after the attempt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { migrateDatabase, openDatabase, type Database_ } from '../../db/client';
import { copySqliteToPostgres } from '../../db/copy/copy-database';
import { connectPostgres, migratePostgres } from '../../db/postgres';
import { seedDemo } from '../../db/seed/demo';
import { seedDemoRedemptions } from '../../db/seed/demo-redemptions';
import { postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';

type Refusal =
  | { check: string }
  | { unique: string; columns: string }
  | { foreignKey: string }
  | { notNull: string }
  | { trigger: string };

const ACTIVE = `(SELECT MIN(id) FROM vouchers WHERE status = 'active')`;
const REDEEM = `(SELECT MIN(id) FROM movements WHERE kind = 'redeem')`;
const REDEMPTION = `(SELECT MIN(id) FROM redemptions)`;
const ORDER = `(SELECT MIN(id) FROM orders)`;
const JOURNAL = `(SELECT MIN(id) FROM journals)`;
const VOUCHER_COLUMNS = 'campaign_id, order_id, order_item_id, amount_cents, balance_cents, status, issued_at, expires_at';
const MOVEMENT_COLUMNS = 'kind, amount_cents, balance_after_cents, journal_id, redemption_id, actor, created_at';
const REDEMPTION_COLUMNS = 'merchant_id, voucher_id, campaign_id, amount_cents, status, request_fingerprint, actor, journal_id, created_at';

const cases: { name: string; sql: string; refusedBy: Refusal }[] = [
  // CHECK constraints (migration 0007 and 0013)
  { name: 'a voucher value of 0', sql: `UPDATE vouchers SET amount_cents = 0, balance_cents = 0, status = 'spent' WHERE id = ${ACTIVE}`, refusedBy: { check: 'vouchers_amount_positive' } },
  { name: 'a balance above the value', sql: `UPDATE vouchers SET balance_cents = amount_cents + 1 WHERE id = ${ACTIVE}`, refusedBy: { check: 'vouchers_balance_within_value' } },
  { name: 'a negative balance', sql: `UPDATE vouchers SET balance_cents = -1 WHERE id = ${ACTIVE}`, refusedBy: { check: 'vouchers_balance_within_value' } },
  { name: 'an unknown voucher status', sql: `UPDATE vouchers SET status = 'lost' WHERE id = ${ACTIVE}`, refusedBy: { check: 'vouchers_status' } },
  { name: 'a spent voucher with value', sql: `UPDATE vouchers SET status = 'spent' WHERE id = ${ACTIVE}`, refusedBy: { check: 'vouchers_status_balance' } },
  { name: 'value left on a cancelled voucher', sql: `UPDATE vouchers SET status = 'cancelled' WHERE id = ${ACTIVE}`, refusedBy: { check: 'vouchers_status_balance' } },
  { name: 'an active voucher at 0', sql: `UPDATE vouchers SET balance_cents = 0 WHERE id = ${ACTIVE}`, refusedBy: { check: 'vouchers_status_balance' } },
  { name: 'a redeem movement that adds value', sql: `UPDATE movements SET amount_cents = -amount_cents WHERE id = ${REDEEM}`, refusedBy: { check: 'movements_sign_per_kind' } },
  { name: 'an adjust of 0', sql: `UPDATE movements SET kind = 'adjust', amount_cents = 0 WHERE id = ${REDEEM}`, refusedBy: { check: 'movements_sign_per_kind' } },
  { name: 'an unknown movement kind', sql: `UPDATE movements SET kind = 'gift' WHERE id = ${REDEEM}`, refusedBy: { check: 'movements_kind' } },
  { name: 'a negative balance after', sql: `UPDATE movements SET balance_after_cents = -1 WHERE id = ${REDEEM}`, refusedBy: { check: 'movements_balance_after_not_negative' } },
  { name: 'a movement seq of 0', sql: `UPDATE movements SET seq = 0 WHERE id = ${REDEEM}`, refusedBy: { check: 'movements_seq_positive' } },
  { name: 'a redemption of 0', sql: `UPDATE redemptions SET amount_cents = 0 WHERE id = ${REDEMPTION}`, refusedBy: { check: 'redemptions_amount_positive' } },
  { name: 'an unknown redemption status', sql: `UPDATE redemptions SET status = 'refunded' WHERE id = ${REDEMPTION}`, refusedBy: { check: 'redemptions_status' } },
  { name: 'a negative order fee', sql: `UPDATE orders SET fee_cents = -1 WHERE id = ${ORDER}`, refusedBy: { check: 'orders_amounts_not_negative' } },
  { name: 'a negative amount refunded', sql: `UPDATE orders SET refunded_cents = -1 WHERE id = ${ORDER}`, refusedBy: { check: 'orders_amounts_not_negative' } },
  { name: 'a payment of 0', sql: `UPDATE payments SET amount_cents = 0 WHERE id = (SELECT MIN(id) FROM payments)`, refusedBy: { check: 'payments_amount_positive' } },
  {
    name: 'a refund of 0',
    sql: `INSERT INTO refunds (id, order_id, provider, provider_ref, amount_cents, status, actor, created_at) VALUES ('rf', ${ORDER}, 'demo', 'rf', 0, 'succeeded', 'x', '2026-11-23')`,
    refusedBy: { check: 'refunds_amount_positive' },
  },
  { name: 'a negative rate-limit count', sql: `INSERT INTO rate_limit_hits (bucket, window_start, count, expires_at) VALUES ('b', 1, -1, 2)`, refusedBy: { check: 'rate_limit_hits_count_check' } },
  // Unique keys: idempotency and numbering
  {
    name: 'a second voucher with the same code',
    sql: `INSERT INTO vouchers (id, code, ${VOUCHER_COLUMNS}) SELECT id || '-2', code, ${VOUCHER_COLUMNS} FROM vouchers WHERE id = ${ACTIVE}`,
    refusedBy: { unique: 'vouchers_code_unique', columns: 'vouchers.code' },
  },
  {
    name: 'two movements with one seq on a voucher (lost update)',
    sql: `INSERT INTO movements (id, voucher_id, seq, ${MOVEMENT_COLUMNS}) SELECT id || '-2', voucher_id, seq, ${MOVEMENT_COLUMNS} FROM movements WHERE id = ${REDEEM}`,
    refusedBy: { unique: 'movements_voucher_seq_uq', columns: 'movements.voucher_id, movements.seq' },
  },
  {
    name: 'a retried redemption recorded twice (same shop, same idempotency key)',
    sql: `INSERT INTO redemptions (id, number, idempotency_key, ${REDEMPTION_COLUMNS}) SELECT id || '-2', number + 100000, idempotency_key, ${REDEMPTION_COLUMNS} FROM redemptions WHERE id = ${REDEMPTION}`,
    refusedBy: { unique: 'redemptions_idempotency_uq', columns: 'redemptions.merchant_id, redemptions.idempotency_key' },
  },
  {
    name: 'two redemptions with one number',
    sql: `INSERT INTO redemptions (id, number, idempotency_key, ${REDEMPTION_COLUMNS}) SELECT id || '-2', number, idempotency_key || '-2', ${REDEMPTION_COLUMNS} FROM redemptions WHERE id = ${REDEMPTION}`,
    refusedBy: { unique: 'redemptions_number_unique', columns: 'redemptions.number' },
  },
  {
    name: 'a payment recorded twice (replayed webhook)',
    sql: `INSERT INTO payments (id, order_id, provider, provider_ref, amount_cents, received_at, journal_id) SELECT id || '-2', order_id, provider, provider_ref, amount_cents, received_at, journal_id FROM payments WHERE id = (SELECT MIN(id) FROM payments)`,
    refusedBy: { unique: 'payments_provider_ref_uq', columns: 'payments.provider, payments.provider_ref' },
  },
  {
    name: 'two journals with one entry number (FEC EcritureNum)',
    sql: `INSERT INTO journals (id, kind, description, created_at, journal_code, entry_number) SELECT id || '-2', kind, description, created_at, journal_code, entry_number FROM journals WHERE id = ${JOURNAL}`,
    refusedBy: { unique: 'journals_code_number_uq', columns: 'journals.journal_code, journals.entry_number' },
  },
  {
    name: 'two orders with one reference',
    sql: `UPDATE orders SET reference = (SELECT MAX(reference) FROM orders) WHERE id = (SELECT MIN(id) FROM orders WHERE reference <> (SELECT MAX(reference) FROM orders))`,
    refusedBy: { unique: 'orders_reference_unique', columns: 'orders.reference' },
  },
  // Triggers of migration 0011
  {
    name: 'a journal without its number',
    sql: `INSERT INTO journals (id, kind, description, created_at, journal_code, entry_number) VALUES ('j0', 'x', 'x', '2026-11-23', 'OD', 0)`,
    refusedBy: { trigger: 'journals.entry_number must come from journal_counters' },
  },
  { name: 'a journal renumbered', sql: `UPDATE journals SET entry_number = entry_number + 1000 WHERE id = ${JOURNAL}`, refusedBy: { trigger: 'journals.journal_code and entry_number never change' } },
  // Foreign keys and NOT NULL
  {
    name: 'a movement of no voucher',
    sql: `INSERT INTO movements (id, voucher_id, seq, kind, amount_cents, balance_after_cents, actor, created_at) VALUES ('m0', 'nowhere', 1, 'issue', 100, 100, 'x', '2026-11-23')`,
    refusedBy: { foreignKey: 'movements_voucher_id_vouchers_id_fk' },
  },
  { name: 'a redemption moved to no shop', sql: `UPDATE redemptions SET merchant_id = 'nowhere' WHERE id = ${REDEMPTION}`, refusedBy: { foreignKey: 'redemptions_merchant_id_merchants_id_fk' } },
  { name: 'a voucher without a code', sql: `UPDATE vouchers SET code = NULL WHERE id = ${ACTIVE}`, refusedBy: { notNull: 'vouchers.code' } },
];

/** What SQLite says for each kind of refusal (it does not name unique indexes or foreign keys). */
function sqliteMessage(r: Refusal): RegExp {
  const exact = (s: string) => new RegExp(`^${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  if ('check' in r) return exact(`CHECK constraint failed: ${r.check}`);
  if ('unique' in r) return exact(`UNIQUE constraint failed: ${r.columns}`);
  if ('foreignKey' in r) return exact('FOREIGN KEY constraint failed');
  if ('notNull' in r) return exact(`NOT NULL constraint failed: ${r.notNull}`);
  return exact(r.trigger);
}

/** What PostgreSQL says: SQLSTATE, and the constraint (or column) named in the error. */
function postgresError(r: Refusal): Record<string, string> {
  if ('check' in r) return { code: '23514', constraint: r.check };
  if ('unique' in r) return { code: '23505', constraint: r.unique };
  if ('foreignKey' in r) return { code: '23503', constraint: r.foreignKey };
  if ('notNull' in r) return { code: '23502', table: r.notNull.split('.')[0]!, column: r.notNull.split('.')[1]! };
  return { code: '23514', message: r.trigger };
}

let dir: string;
let sqlite: Database_;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pg-constraints-'));
  sqlite = openDatabase(`file:${join(dir, 'app.db')}`, { backgroundCheckpoints: false });
  migrateDatabase(sqlite);
  const now = new Date('2026-11-23T10:00:00Z');
  await seedDemo(sqlite, now);
  await seedDemoRedemptions(sqlite, now);
});
afterAll(async () => {
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every row the statement would touch exists: a refusal is never a no-op passing for one. */
function attemptOnSqlite(sql: string): unknown {
  sqlite.sqlite.exec('BEGIN');
  try {
    const changes = sqlite.sqlite.prepare(sql).run().changes;
    return new Error(`accepted (${changes} row(s))`);
  } catch (error) {
    return error;
  } finally {
    sqlite.sqlite.exec('ROLLBACK');
  }
}

describe('SQLite refuses each bad write', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect((attemptOnSqlite(c.sql) as Error).message).toMatch(sqliteMessage(c.refusedBy));
  });
});

// Skips only where PostgreSQL is not installed, with a printed notice; REQUIRE_POSTGRES=1
// (set by .ci/run) makes postgresAvailable() throw instead, so in CI this runs or fails.
describe.skipIf(!postgresAvailable())('PostgreSQL refuses the same writes', () => {
  let cluster: PgCluster;
  let client: pg.Client;
  beforeAll(async () => {
    cluster = await startPostgres();
    client = await connectPostgres(await cluster.createDatabase('constraints'));
    await migratePostgres(client);
    expect(await copySqliteToPostgres(sqlite.sqlite, client)).toMatchObject({ ok: true });
  });
  afterAll(async () => {
    await client?.end();
    cluster?.stop();
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await client.query('BEGIN');
    let refusal: unknown = null;
    try {
      const { rowCount } = await client.query(c.sql);
      refusal = new Error(`accepted (${rowCount} row(s))`);
    } catch (error) {
      refusal = error;
    } finally {
      await client.query('ROLLBACK');
    }
    expect(refusal).toMatchObject(postgresError(c.refusedBy));
  });
});
