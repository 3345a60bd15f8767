import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { migrateDatabase, openDatabase } from '../db/client';
import { copySqliteToPostgres } from '../db/copy/copy-database';
import { connectPostgres, migratePostgres } from '../db/postgres';
import { openPostgresPool, type PgDatabase } from '../db/postgres-pool';
import { seedDemo, type SeedResult } from '../db/seed/demo';
import { seedDemoBrand } from '../db/seed/demo-brand';
import { seedDemoRedemptions } from '../db/seed/demo-redemptions';
import type { Config } from './config';
import type { Clock } from './lib/clock';

const SECRET_KEY = 'development_session_secret';

/**
 * Start-up on a `postgres://` DATABASE_URL (main.ts): migrations, the shared development
 * session secret, the demo data on an empty database, then the app's pool.
 *
 * The demo is built by the same code as on SQLite, in a scratch SQLite file, and moved over
 * with copy-database — the operator's own migration path, which proves its copy — so the two
 * backends start from the same demo and there is one seed to maintain.
 */
export async function startOnPostgres(config: Config, clock: Clock, opts: { poolSize?: number } = {}): Promise<{ pg: PgDatabase; sessionSecret: string; seeded: SeedResult | null }> {
  const client = await connectPostgres(config.databaseUrl);
  let seeded: SeedResult | null = null;
  let sessionSecret = config.sessionSecret;
  try {
    await migratePostgres(client);
    // Servers starting together on a fresh database: one seeds, the others wait and find it seeded.
    await client.query("SELECT pg_advisory_lock(hashtext('demo-seed'))");
    try {
      const { rows } = await client.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM campaigns) AS empty');
      if (config.seedDemo && rows[0]!.empty) seeded = await seedThroughSqlite(config, clock, client);
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('demo-seed'))");
    }
    if (!process.env.SESSION_SECRET) {
      // As sharedSessionSecret on SQLite: the first server's candidate wins, every other one reads it.
      await client.query('INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING', [SECRET_KEY, sessionSecret, clock.now().toISOString()]);
      sessionSecret = (await client.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [SECRET_KEY])).rows[0]!.value;
    }
  } finally {
    await client.end();
  }
  return { pg: openPostgresPool(config.databaseUrl, { max: opts.poolSize ?? 10 }), sessionSecret, seeded };
}

async function seedThroughSqlite(config: Config, clock: Clock, client: import('pg').Client): Promise<SeedResult> {
  const dir = mkdtempSync(join(config.dataDir, 'demo-seed-'));
  const scratch = openDatabase(`file:${join(dir, 'scratch')}`, { backgroundCheckpoints: false });
  try {
    migrateDatabase(scratch);
    const seeded = await seedDemo(scratch, clock.now());
    await seedDemoRedemptions(scratch, clock.now());
    seedDemoBrand(scratch, clock.now());
    const outcome = await copySqliteToPostgres(scratch.sqlite, client);
    if (!outcome.ok) throw new Error(`the demo could not be copied to PostgreSQL: ${JSON.stringify(outcome).slice(0, 500)}`);
    return seeded;
  } finally {
    await scratch.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
