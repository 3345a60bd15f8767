/**
 * Two "servers" sharing one database, for the state every server process keeps there (rate
 * limits, API-key failure counts, TOTP replay, sessions, job leases, the outbox claim):
 * - SQLite: two connections (openDatabase twice) on one file, each server's units running in
 *   its own connection's BEGIN IMMEDIATE transactions;
 * - PostgreSQL: one database on a throwaway cluster, two pools — two servers' worth of
 *   connections, whose units really run side by side (READ COMMITTED).
 * Each server is the set of runners (db/store-units.ts) the services take.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDatabase, openDatabase, type Database_, type Tx } from '../../db/client';
import { connectPostgres, migratePostgres } from '../../db/postgres';
import { openPostgresPool, type PgDatabase } from '../../db/postgres-pool';
import { pgUnits, sqliteUnits, type Units } from '../../db/store-units';
import { sqliteApiKeyStore, type ApiKeyStore } from '../../server/domain/merchants/api-key-store';
import { pgApiKeyStore } from '../../server/domain/merchants/api-key-store-pg';
import { sqliteTotpStore, type TotpStore } from '../../server/domain/operators/totp-store';
import { pgTotpStore } from '../../server/domain/operators/totp-store-pg';
import { sqliteRateLimitStore, type RateLimitStore } from '../../server/domain/rate-limits/rate-limit-store';
import { pgRateLimitStore } from '../../server/domain/rate-limits/rate-limit-store-pg';
import { sqliteSessionStore, type SessionStore } from '../../server/domain/sessions/sessions-store';
import { pgSessionStore } from '../../server/domain/sessions/sessions-store-pg';
import { sqliteJobLeaseStore, type JobLeaseStore } from '../../server/jobs/job-lease-store';
import { pgJobLeaseStore } from '../../server/jobs/job-lease-store-pg';
import { sqliteOutboxStore, type OutboxStore } from '../../server/mail/outbox-store';
import { pgOutboxStore } from '../../server/mail/outbox-store-pg';
import type { PgCluster } from './postgres';

export interface SharedServer {
  rateLimits: Units<RateLimitStore>;
  keys: Units<ApiKeyStore>;
  totp: Units<TotpStore>;
  sessions: Units<SessionStore>;
  /** The operator sign-in's unit: the TOTP spend and the session it opens, in one transaction. */
  signIn: Units<TotpStore & SessionStore>;
  leases: Units<JobLeaseStore>;
  outbox: Units<OutboxStore>;
}

export interface SharedBackend {
  name: 'sqlite' | 'postgres';
  a: SharedServer;
  b: SharedServer;
  /** The tests' own statements, written with `?` placeholders. */
  exec(sql: string, params?: unknown[]): Promise<void>;
  scalar(sql: string, params?: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

function sqliteServer(database: Database_): SharedServer {
  const on = <S>(storeOf: (tx: Tx) => S) => sqliteUnits(database, storeOf);
  return {
    rateLimits: on(sqliteRateLimitStore),
    keys: on(sqliteApiKeyStore),
    totp: on(sqliteTotpStore),
    sessions: on(sqliteSessionStore),
    signIn: on((tx) => ({ ...sqliteTotpStore(tx), ...sqliteSessionStore(tx) })),
    leases: on(sqliteJobLeaseStore),
    outbox: on(sqliteOutboxStore),
  };
}

function pgServer(pool: PgDatabase): SharedServer {
  return {
    rateLimits: pgUnits(pool, pgRateLimitStore),
    keys: pgUnits(pool, pgApiKeyStore),
    totp: pgUnits(pool, pgTotpStore),
    sessions: pgUnits(pool, pgSessionStore),
    signIn: pgUnits(pool, (client) => ({ ...pgTotpStore(client), ...pgSessionStore(client) })),
    leases: pgUnits(pool, pgJobLeaseStore),
    outbox: pgUnits(pool, pgOutboxStore),
  };
}

export async function sqliteBackend(): Promise<SharedBackend> {
  const dir = mkdtempSync(join(tmpdir(), 'shared-state-'));
  const url = `file:${join(dir, 'shared.db')}`;
  const first = openDatabase(url, { backgroundCheckpoints: false });
  migrateDatabase(first);
  const second = openDatabase(url, { backgroundCheckpoints: false });
  return {
    name: 'sqlite',
    a: sqliteServer(first),
    b: sqliteServer(second),
    exec: async (sql, params = []) => void first.sqlite.prepare(sql).run(...params),
    scalar: async (sql, params = []) => first.sqlite.prepare(sql).pluck().get(...params),
    close: async () => {
      await first.close();
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const dollars = (sql: string) => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};

export async function postgresBackend(cluster: PgCluster, dbName: string): Promise<SharedBackend> {
  const url = await cluster.createDatabase(dbName);
  const client = await connectPostgres(url);
  await migratePostgres(client);
  const poolA = openPostgresPool(url, { max: 8 });
  const poolB = openPostgresPool(url, { max: 8 });
  return {
    name: 'postgres',
    a: pgServer(poolA),
    b: pgServer(poolB),
    exec: async (sql, params = []) => void (await client.query(dollars(sql), params)),
    scalar: async (sql, params = []) => (await client.query({ text: dollars(sql), values: params, rowMode: 'array' })).rows[0]?.[0],
    close: async () => {
      await poolA.close();
      await poolB.close();
      await client.end();
    },
  };
}
