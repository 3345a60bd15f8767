import { parseArgs } from 'node:util';
import { migrateDatabase, openDatabase, type Database_ } from '../db/client';
import { isDatabaseEmpty, seedDemo } from '../db/seed/demo';
import { ConfigError, loadConfig } from './config';
import { checkLedger } from './domain/ledger/check-ledger';

/**
 * Operator command line: `npm run -s cli -- <command> [--json]`.
 * Exit codes: 0 success, 1 a failed check, 2 bad usage. With --json the last stdout
 * line is one JSON object.
 */
type Result = { code: 0 | 1; json: Record<string, unknown>; text: string };

const USAGE = `usage: npm run -s cli -- <command> [options] [--json]
commands:
  migrate                 create or update the database schema
  seed-demo               add the demo campaigns, shops and sales to an empty database
  check-ledger            verify every money invariant (exit 1 and the breaches if any)
  backup --to FILE        consistent online copy of the database`;

class UsageError extends Error {}

const commands: Record<string, (db: Database_, opts: Record<string, string | boolean | undefined>) => Promise<Result> | Result> = {
  migrate: () => ({ code: 0, json: { migrated: true }, text: 'database migrated' }),
  'seed-demo': async (db) => {
    if (!isDatabaseEmpty(db)) return { code: 1, json: { seeded: false, reason: 'database not empty' }, text: 'database is not empty: nothing seeded' };
    const r = await seedDemo(db, new Date());
    return { code: 0, json: { seeded: true, ...r }, text: `seeded « ${r.campaignName} » and ${r.merchantCount} shops` };
  },
  'check-ledger': (db) => {
    const started = Date.now();
    const breaches = checkLedger(db);
    const ms = Date.now() - started;
    return breaches.length
      ? { code: 1, json: { ok: false, breaches }, text: `${breaches.length} breach(es):\n${breaches.map((b) => `  ${b.invariant}: ${b.detail}`).join('\n')}` }
      : { code: 0, json: { ok: true, breaches: [], ms }, text: `ledger ok: every invariant holds (${ms} ms)` };
  },
  backup: async (db, opts) => {
    if (typeof opts.to !== 'string' || !opts.to) throw new UsageError('backup needs --to FILE');
    await db.sqlite.backup(opts.to);
    return { code: 0, json: { backup: opts.to }, text: `backup written to ${opts.to}` };
  },
};

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { json: { type: 'boolean' }, to: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const [name, ...extra] = parsed.positionals;
  const command = name ? commands[name] : undefined;
  if (parsed.values.help || !command || extra.length) {
    console.error(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  const config = loadConfig();
  const database = openDatabase(config.databaseUrl);
  try {
    migrateDatabase(database);
    const result = await command(database, parsed.values);
    console.log(parsed.values.json ? JSON.stringify(result.json) : result.text);
    return result.code;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  } finally {
    database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
