import { connectPostgres, migratePostgres } from '../../db/postgres';
import { runLedgerCheckPostgres } from '../domain/ledger/ledger-check-runs';
import { systemClock } from '../lib/clock';
import type { Opts, Result } from './command';
import { usage } from './command';
import { ledgerCheckResult } from './ledger-result';
import { reportCommandPostgres } from './report-commands';

/**
 * The commands that already run on a PostgreSQL DATABASE_URL (the read side of the books,
 * written once for both backends in db/read-program.ts). The others still need the SQLite
 * data layer and say so.
 */
export const POSTGRES_COMMANDS = ['migrate', 'check-ledger', 'report'] as const;

export async function runPostgresCommand(url: string, name: string, opts: Opts): Promise<Result> {
  if (!(POSTGRES_COMMANDS as readonly string[]).includes(name)) {
    usage(`${name} does not run on PostgreSQL yet (commands on a postgres:// DATABASE_URL: ${POSTGRES_COMMANDS.join(', ')})`);
  }
  const client = await connectPostgres(url);
  try {
    await migratePostgres(client);
    if (name === 'migrate') return { code: 0, json: { migrated: true }, text: 'database migrated' };
    if (name === 'report') return await reportCommandPostgres(client, typeof opts.subcommand === 'string' ? opts.subcommand : undefined);
    return ledgerCheckResult(await runLedgerCheckPostgres({ client, clock: systemClock }, { sinceLastClean: opts['since-last-clean'] === true }));
  } finally {
    await client.end();
  }
}
