import { connectPostgres, migratePostgres } from '../../db/postgres';
import { openPostgresPool } from '../../db/postgres-pool';
import { expireCommand } from './expiry-commands';
import { runLedgerCheckPostgres } from '../domain/ledger/ledger-check-runs';
import { systemClock } from '../lib/clock';
import type { Opts, Result } from './command';
import { usage } from './command';
import { ledgerCheckResult } from './ledger-result';
import { exportCommandPostgres, reportCommandPostgres } from './report-commands';
import type { Config } from '../config';

/**
 * The commands that already run on a PostgreSQL DATABASE_URL (the read side of the books and
 * the journal exports, written once for both backends in db/read-program.ts). The others
 * still need the SQLite data layer and say so.
 */
export const POSTGRES_COMMANDS = ['migrate', 'check-ledger', 'report', 'export-fec', 'export-journal', 'expire'] as const;

export async function runPostgresCommand(url: string, name: string, opts: Opts, config: Pick<Config, 'operator'>): Promise<Result> {
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
    if (name === 'export-fec' || name === 'export-journal') return await exportCommandPostgres(client, opts, name === 'export-fec' ? 'fec' : 'csv', config);
    if (name === 'report') return await reportCommandPostgres(client, typeof opts.subcommand === 'string' ? opts.subcommand : undefined);
    return ledgerCheckResult(await runLedgerCheckPostgres({ client, clock: systemClock }, { sinceLastClean: opts['since-last-clean'] === true }));
  } finally {
    await client.end();
  }
}
