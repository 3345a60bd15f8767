import { parseArgs } from 'node:util';
import { migrateDatabase, openDatabase, type Database_ } from '../db/client';
import { ConfigError, loadConfig } from './config';
import { runLedgerCheck } from './domain/ledger/ledger-check-runs';
import { createAdminCommand } from './cli/create-admin';
import { apiKeysCommand, createApiKeyCommand, sqliteKeyCommandUnits } from './cli/api-key-commands';
import { seedDemoCommand } from './cli/seed-demo-command';
import { createMerchantUserCommand } from './cli/shop-user-command';
import { expireCommand, EXPIRY_USAGE, remindExpiringCommand } from './cli/expiry-commands';
import { systemClock } from './lib/clock';
import { AppError } from './lib/errors';
import { translate } from './lib/i18n';
import { printableJson, printableLines } from './lib/printable';
import { sepaExecutedCommand, sepaFileCommand, settleCommand } from './cli/settlement-commands';
import { exportCommand, reportCommand } from './cli/report-commands';
import { PERSONAL_DATA_USAGE, personalDataCommand } from './cli/personal-data-commands';
import { UsageError, type Result } from './cli/command';
import { ledgerCheckResult } from './cli/ledger-result';
import { isPostgresUrl } from '../db/database-url';
import type { Config } from './config';

/**
 * Operator command line: `npm run -s cli -- <command> [--json]`.
 * Exit codes: 0 success, 1 a failed check, 2 bad usage. With --json the last stdout
 * line is one JSON object.
 */

const USAGE = `usage: npm run -s cli -- <command> [options] [--json]
commands:
  migrate                 create or update the database schema
  seed-demo               add the demo campaigns, shops and sales to an empty database
  check-ledger [--since-last-clean]   verify every money invariant (exit 1 and the breaches if any);
                          --since-last-clean: only what was posted since the last clean run (recorded in the database)
  backup --to FILE        consistent online copy of the database
  copy-database --to postgres://USER:PASSWORD@HOST:PORT/DB
                          copy this SQLite database (may be in use: a consistent snapshot) into an EMPTY
                          PostgreSQL database, then prove the copy (row counts and digests per table;
                          check-ledger, liability and reconciliation identical on both sides)
on a postgres:// DATABASE_URL: migrate, seed-demo, check-ledger [--since-last-clean], report liability|reconciliation,
                          export-fec, export-journal, expire, remind-expiring, settle, sepa-file, sepa-executed, create-admin,
                          create-merchant-user, create-api-key, api-keys, personal-data (same options and output as on SQLite;
                          seed-demo there needs a database with no rows at all)
  create-admin --email E --password P [--role admin|operator|viewer] [--name N]   operator staff (back-office)
  create-merchant-user --merchant SLUG --email E --password P [--role owner|staff] [--name N]
  create-api-key --merchant SLUG [--label L] | --admin [--label L]   prints the key (shown once)
  settle --until YYYY-MM-DD   settle every completed redemption up to that day (Europe/Paris): statements, SEPA file, Stripe transfers
  sepa-executed --batch REF [--file N]   the bank executed the batch's SEPA file (N when it has several): mark its statements paid
  sepa-file --batch REF       after fixing a shop's bank details: a SEPA file for the batch's statements left out of its files
  report liability|reconciliation   outstanding liability per campaign with ageing; money in vs money out (exit 1 on a gap)
  export-fec --out FILE|DIR [--from D] [--to D] [--encoding iso-8859-15|utf-8]
                          the journal as a French FEC file (18 columns, tab-separated, ISO 8859-15 by default);
                          in a directory it is named <SIREN>FEC<AAAAMMJJ>.txt (closing date: --to, or today)
  export-journal --out FILE [--from D] [--to D]   the journal as CSV
  api-keys [--merchant SLUG]   lists keys with their state (revoked, locked after failed lookups)
${EXPIRY_USAGE}
${PERSONAL_DATA_USAGE}`;


const commands: Record<string, (db: Database_, opts: Record<string, string | boolean | undefined>, config: Config) => Promise<Result> | Result> = {
  settle: settleCommand,
  'sepa-executed': sepaExecutedCommand,
  'sepa-file': sepaFileCommand,
  report: (db, opts) => reportCommand(db, opts, typeof opts.subcommand === 'string' ? opts.subcommand : undefined),
  'export-fec': (db, opts, config) => exportCommand(db, opts, 'fec', config),
  'export-journal': (db, opts, config) => exportCommand(db, opts, 'csv', config),
  expire: expireCommand,
  'personal-data': (db, opts) => personalDataCommand(db, opts, typeof opts.subcommand === 'string' ? opts.subcommand : undefined),
  'remind-expiring': remindExpiringCommand,
  migrate: () => ({ code: 0, json: { migrated: true }, text: 'database migrated' }),
  'seed-demo': (db, _opts, config) => seedDemoCommand(db, config),
  'check-ledger': (db, opts) => ledgerCheckResult(runLedgerCheck({ database: db, clock: systemClock }, { sinceLastClean: opts['since-last-clean'] === true })),
  'create-admin': createAdminCommand,
  // Loaded on use: the PostgreSQL driver stays out of every other command's start-up.
  'copy-database': async (db, opts) => (await import('./cli/copy-database-command')).copyDatabaseCommand(db, opts),
  'create-merchant-user': (db, opts) => createMerchantUserCommand({ database: db }, opts),
  'create-api-key': (db, opts) => createApiKeyCommand(sqliteKeyCommandUnits(db), opts),
  'api-keys': (db, opts) => apiKeysCommand(sqliteKeyCommandUnits(db), opts),
  backup: async (db, opts) => {
    if (typeof opts.to !== 'string' || !opts.to) throw new UsageError('backup needs --to FILE');
    await db.sqlite.backup(opts.to);
    return { code: 0, json: { backup: opts.to }, text: `backup written to ${opts.to}` };
  },
};

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        'since-last-clean': { type: 'boolean' },
        to: { type: 'string' },
        merchant: { type: 'string' },
        email: { type: 'string' },
        password: { type: 'string' },
        role: { type: 'string' },
        name: { type: 'string' },
        label: { type: 'string' },
        until: { type: 'string' },
        batch: { type: 'string' },
        file: { type: 'string' },
        from: { type: 'string' },
        out: { type: 'string' },
        encoding: { type: 'string' },
        now: { type: 'string' },
        admin: { type: 'boolean' },
        reason: { type: 'string' },
        campaign: { type: 'string' },
        months: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    console.error(`${printableLines((err as Error).message)}\n${USAGE}`);
    return 2;
  }
  const [name, ...extra] = parsed.positionals;
  const command = name ? commands[name] : undefined;
  // `report` and `personal-data` take a second word; every other command takes none.
  const subcommand = name === 'report' || name === 'personal-data' ? extra.shift() : undefined;
  if (parsed.values.help || !command || extra.length) {
    console.error(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  const config = loadConfig();
  // On PostgreSQL only the commands ported so far run (postgres-commands.ts); loaded on use,
  // so the driver stays out of the SQLite commands' start-up.
  const postgres = isPostgresUrl(config.databaseUrl);
  // A short-lived process: no background checkpoint thread.
  const database = postgres ? null : openDatabase(config.databaseUrl, { backgroundCheckpoints: false });
  try {
    let result: Result;
    if (database) {
      migrateDatabase(database);
      result = await command(database, { ...parsed.values, subcommand }, config);
    } else {
      result = await (await import('./cli/postgres-commands')).runPostgresCommand(config.databaseUrl, name!, { ...parsed.values, subcommand }, config);
    }
    // What users typed (shop names, key labels, emails) reaches the terminal only as visible escapes.
    console.log(parsed.values.json ? printableJson(result.json) : printableLines(result.text));
    return result.code;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${printableLines(err.message)}\n${USAGE}`);
      return 2;
    }
    if (err instanceof AppError) {
      const message = translate('en', err.messageKey, err.params);
      console.log(parsed.values.json ? printableJson({ error: { code: err.code, message } }) : printableLines(`${err.code}: ${message}`));
      return 1;
    }
    throw err;
  } finally {
    await database?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? printableLines(err.message) : err);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
