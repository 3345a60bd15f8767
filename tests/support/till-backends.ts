/**
 * The till on either backend, from the same data: a SQLite file seeded with the demo and
 * vouchers bought through the project's own code paths, copied into a fresh PostgreSQL
 * database by copy-database. Each backend then answers through the same `Till` interface,
 * and `books()` runs check-ledger on it (the same read programs on both backends, db/read-program.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDatabase, openDatabase, type Database_ } from '../../db/client';
import { openPostgresPool, type PgDatabase } from '../../db/postgres-pool';
import { seedDemo } from '../../db/seed/demo';
import { readSnapshotPostgres } from '../../db/read-program';
import { checkLedger, ledgerChecks } from '../../server/domain/ledger/check-ledger';
import { FULL } from '../../server/domain/ledger/ledger-scope';
import { sqliteTill, type Till } from '../../server/domain/redemptions/redemptions-service';
import { postgresTill } from '../../server/domain/redemptions/till-postgres';
import type { Clock } from '../../server/lib/clock';
import { buyVouchers, type BuiltVoucher } from './builders';
import { createApiKey } from '../../server/domain/merchants/api-keys-service';
import { copiedToNewDatabase, type PgCluster } from './postgres';

export type Backend = 'sqlite' | 'postgres';

export interface TillFixture {
  backend: Backend;
  till: Till;
  /** Shops that accept seine-estuaire vouchers (all the demo's). */
  shops: string[];
  /** A noel-fecamp voucher, and a shop outside that campaign. */
  foreign: BuiltVoucher;
  outsider: string;
  vouchers: BuiltVoucher[];
  /** Breached invariants (empty: the books are clean). */
  books(): Promise<unknown[]>;
  /** One value from the backend's database (tests' own reads). */
  scalar(sql: string, params?: unknown[]): Promise<unknown>;
  /** Each shop's API key, by shop id (with `apiKeys`). */
  keys: Record<string, string>;
  /** The PostgreSQL URL of this fixture's database (postgres only). */
  url?: string;
  /** The SQLite database (sqlite only). */
  database?: Database_;
  pg?: PgDatabase;
  close(): Promise<void>;
}

export interface FixtureOptions {
  clock: Clock;
  voidWindowMinutes?: number;
  /** Vouchers of these values in seine-estuaire. */
  values: number[];
  cluster?: PgCluster;
  dbName?: string;
  /** An API key for each shop (created before the copy), for tests that call real app processes. */
  apiKeys?: boolean;
}

/** SQLite placeholders (?) to PostgreSQL's ($1, $2…). */
const dollars = (sql: string) => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};

export async function tillFixture(backend: Backend, o: FixtureOptions): Promise<TillFixture> {
  const dir = mkdtempSync(join(tmpdir(), `till-${backend}-`));
  const database = openDatabase(`file:${join(dir, 'till.db')}`, { backgroundCheckpoints: false });
  migrateDatabase(database);
  await seedDemo(database, o.clock.now());
  const vouchers: BuiltVoucher[] = [];
  for (const amountCents of o.values) vouchers.push(...(await buyVouchers({ database, clock: o.clock }, { amountCents })));
  const foreign = (await buyVouchers({ database, clock: o.clock }, { amountCents: 30_00, campaign: 'noel-fecamp' }))[0]!;
  const campaignId = vouchers[0]!.campaignId;
  const shops = database.sqlite
    .prepare(`SELECT cm.merchant_id FROM campaign_merchants cm JOIN merchants m ON m.id = cm.merchant_id WHERE cm.campaign_id = ? AND m.status = 'approved' ORDER BY m.slug`)
    .pluck().all(campaignId) as string[];
  const outsider = database.sqlite
    .prepare(`SELECT id FROM merchants WHERE id NOT IN (SELECT merchant_id FROM campaign_merchants WHERE campaign_id = ?) ORDER BY slug LIMIT 1`)
    .pluck().get(foreign.campaignId) as string;
  const keys: Record<string, string> = {};
  if (o.apiKeys) for (const merchantId of shops) keys[merchantId] = createApiKey({ database, clock: o.clock }, { kind: 'merchant', merchantId, label: 'till test' }).key;
  const deps = { clock: o.clock, voidWindowMinutes: o.voidWindowMinutes ?? 30 };
  if (backend === 'sqlite') {
    return {
      backend, shops, outsider, foreign, vouchers, database, keys,
      till: sqliteTill({ database, ...deps }),
      books: async () => checkLedger(database),
      scalar: async (sql, params = []) => database.sqlite.prepare(sql).pluck().get(...params),
      close: async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { url, client } = await copiedToNewDatabase(o.cluster!, database.sqlite, o.dbName ?? `till_${Date.now()}_${Math.floor(Math.random() * 1e6)}`);
  await database.close();
  rmSync(dir, { recursive: true, force: true });
  const pg = openPostgresPool(url);
  return {
    backend, shops, outsider, foreign, vouchers, url, pg, keys,
    till: postgresTill(pg, deps),
    books: () => readSnapshotPostgres(client, ledgerChecks(FULL, 'postgres')),
    scalar: async (sql, params = []) => {
      const { rows } = await client.query({ text: dollars(sql), values: params, rowMode: 'array' });
      return rows[0]?.[0];
    },
    close: async () => {
      await pg.close();
      await client.end();
    },
  };
}
