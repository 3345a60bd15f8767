import type pg from 'pg';
import { connectPostgres, migratePostgres } from '../../db/postgres';
import { openPostgresPool, type PgDatabase } from '../../db/postgres-pool';
import { createAdminCommandPostgres } from './create-admin';
import { expireCommand, remindExpiringCommand } from './expiry-commands';
import { personalDataCommandPostgres } from './personal-data-commands';
import { runAsync } from '../../db/unit-of-work';
import type { Config } from '../config';
import { runLedgerCheckPostgres } from '../domain/ledger/ledger-check-runs';
import { pgSettlementUnits } from '../domain/settlements/settlement-store-pg';
import { systemClock } from '../lib/clock';
import { apiKeysCommand, createApiKeyCommand, pgKeyCommandUnits } from './api-key-commands';
import type { Opts, Result } from './command';
import { usage } from './command';
import { ledgerCheckResult } from './ledger-result';
import { exportCommandPostgres, reportCommandPostgres } from './report-commands';
import { seedDemoCommandPostgres } from './seed-demo-command';
import { sepaExecutedSteps, sepaFileSteps, settleOn } from './settlement-commands';
import { createMerchantUserCommandPostgres } from './shop-user-command';

/**
 * The commands that run on a PostgreSQL DATABASE_URL: the read side of the books and the
 * journal exports (written once for both backends in db/read-program.ts) on one client; the
 * writes (expiry and its reminders, settlement, staff, shop users, API keys, personal data) as units of work
 * on a small pool, retried on a deadlock; the demo seed through copy-database. The others
 * still need the SQLite data layer and say so.
 */
export const POSTGRES_COMMANDS = [
  'migrate', 'seed-demo', 'check-ledger', 'report', 'export-fec', 'export-journal', 'expire', 'remind-expiring', 'settle', 'sepa-file', 'sepa-executed',
  'create-admin', 'create-merchant-user', 'create-api-key', 'api-keys', 'personal-data',
] as const;

type OnClient = (client: pg.Client, opts: Opts, config: Config) => Promise<Result>;
type OnPool = (pool: PgDatabase, opts: Opts, config: Config) => Promise<Result>;

const ON_CLIENT: Record<string, OnClient> = {
  migrate: async () => ({ code: 0, json: { migrated: true }, text: 'database migrated' }),
  'seed-demo': (client, _opts, config) => seedDemoCommandPostgres(client, config),
  'check-ledger': async (client, opts) => ledgerCheckResult(await runLedgerCheckPostgres({ client, clock: systemClock }, { sinceLastClean: opts['since-last-clean'] === true })),
  report: (client, opts) => reportCommandPostgres(client, typeof opts.subcommand === 'string' ? opts.subcommand : undefined),
  'export-fec': (client, opts, config) => exportCommandPostgres(client, opts, 'fec', config),
  'export-journal': (client, opts, config) => exportCommandPostgres(client, opts, 'csv', config),
};

/** One unit of work at a time (settlement's slices run in sequence): two connections are plenty. */
const ON_POOL: Record<string, OnPool> = {
  expire: (postgres, opts) => expireCommand({ postgres }, opts),
  'remind-expiring': (postgres, opts) => remindExpiringCommand({ postgres }, opts),
  'create-admin': (pool, opts) => createAdminCommandPostgres(pool, opts),
  'create-merchant-user': (pool, opts) => createMerchantUserCommandPostgres(pool, opts),
  'create-api-key': (pool, opts) => createApiKeyCommand(pgKeyCommandUnits(pool), opts),
  'api-keys': (pool, opts) => apiKeysCommand(pgKeyCommandUnits(pool), opts),
  // Each request or campaign one unit of work, one after the other.
  'personal-data': (pool, opts) => personalDataCommandPostgres(pool, opts, typeof opts.subcommand === 'string' ? opts.subcommand : undefined),
  settle: (pool, opts, config) => settleOn(pgSettlementUnits(pool), opts, config),
  'sepa-file': (pool, opts, config) => runAsync(sepaFileSteps(pgSettlementUnits(pool), opts, config)),
  'sepa-executed': (pool, opts) => runAsync(sepaExecutedSteps(pgSettlementUnits(pool), opts)),
};

export async function runPostgresCommand(url: string, name: string, opts: Opts, config: Config): Promise<Result> {
  if (!(POSTGRES_COMMANDS as readonly string[]).includes(name)) {
    usage(`${name} does not run on PostgreSQL yet (commands on a postgres:// DATABASE_URL: ${POSTGRES_COMMANDS.join(', ')})`);
  }
  const client = await connectPostgres(url);
  try {
    await migratePostgres(client);
    const onClient = ON_CLIENT[name];
    if (onClient) return await onClient(client, opts, config);
    const pool = openPostgresPool(url, { max: 2 });
    try {
      return await ON_POOL[name]!(pool, opts, config);
    } finally {
      await pool.close();
    }
  } finally {
    await client.end();
  }
}
