import { connectPostgres, migratePostgres } from '../../db/postgres';
import { openPostgresPool } from '../../db/postgres-pool';
import { createAdminCommandPostgres } from './create-admin';
import { expireCommand } from './expiry-commands';
import { personalDataCommandPostgres } from './personal-data-commands';
import { runAsync } from '../../db/unit-of-work';
import type { Config } from '../config';
import { runLedgerCheckPostgres } from '../domain/ledger/ledger-check-runs';
import { pgSettlementUnits } from '../domain/settlements/settlement-store-pg';
import { systemClock } from '../lib/clock';
import type { Opts, Result } from './command';
import { usage } from './command';
import { ledgerCheckResult } from './ledger-result';
import { exportCommandPostgres, reportCommandPostgres } from './report-commands';
import { sepaExecutedSteps, sepaFileSteps, settleOn } from './settlement-commands';

/**
 * The commands that already run on a PostgreSQL DATABASE_URL: the read side of the books and
 * the journal exports (written once for both backends in db/read-program.ts), expiry and
 * settlement, personal data (their services are steps over a store, run here on a small pool). The others
 * still need the SQLite data layer and say so.
 */
export const POSTGRES_COMMANDS = ['migrate', 'check-ledger', 'report', 'export-fec', 'export-journal', 'expire', 'settle', 'sepa-file', 'sepa-executed', 'create-admin', 'personal-data'] as const;

const SETTLEMENT_COMMANDS = new Set(['settle', 'sepa-file', 'sepa-executed']);

export async function runPostgresCommand(url: string, name: string, opts: Opts, config: Config): Promise<Result> {
  if (!(POSTGRES_COMMANDS as readonly string[]).includes(name)) {
    usage(`${name} does not run on PostgreSQL yet (commands on a postgres:// DATABASE_URL: ${POSTGRES_COMMANDS.join(', ')})`);
  }
  const client = await connectPostgres(url);
  try {
    await migratePostgres(client);
    if (name === 'migrate') return { code: 0, json: { migrated: true }, text: 'database migrated' };
    // A money path: units of work on a pool (db/postgres-pool.ts), retried on a deadlock.
    if (name === 'expire') {
      const postgres = openPostgresPool(url, { max: 2 });
      try {
        return await expireCommand({ postgres }, opts);
      } finally {
        await postgres.close();
      }
    }
    if (name === 'create-admin') {
      const postgres = openPostgresPool(url, { max: 1 });
      try {
        return await createAdminCommandPostgres(postgres, opts);
      } finally {
        await postgres.close();
      }
    }
    if (name === 'personal-data') {
      // Each request or campaign one unit of work, one after the other: one connection is enough.
      const postgres = openPostgresPool(url, { max: 1 });
      try {
        return await personalDataCommandPostgres(postgres, opts, typeof opts.subcommand === 'string' ? opts.subcommand : undefined);
      } finally {
        await postgres.close();
      }
    }
    if (name === 'export-fec' || name === 'export-journal') return await exportCommandPostgres(client, opts, name === 'export-fec' ? 'fec' : 'csv', config);
    if (name === 'report') return await reportCommandPostgres(client, typeof opts.subcommand === 'string' ? opts.subcommand : undefined);
    if (SETTLEMENT_COMMANDS.has(name)) return await settlementCommand(url, name, opts, config);
    return ledgerCheckResult(await runLedgerCheckPostgres({ client, clock: systemClock }, { sinceLastClean: opts['since-last-clean'] === true }));
  } finally {
    await client.end();
  }
}

/** One unit of work at a time (the slices run in sequence): a pool of two connections is plenty. */
async function settlementCommand(url: string, name: string, opts: Opts, config: Config): Promise<Result> {
  const pool = openPostgresPool(url, { max: 2 });
  try {
    const units = pgSettlementUnits(pool);
    if (name === 'settle') return await settleOn(units, opts, config);
    if (name === 'sepa-file') return await runAsync(sepaFileSteps(units, opts, config));
    return await runAsync(sepaExecutedSteps(units, opts));
  } finally {
    await pool.close();
  }
}
